import type { GeoPoint } from '../../system/data/geo-point.ts';

/** A city photos cluster around: its name and the coordinates of its centre (degrees). */
export interface City extends GeoPoint {
  name: string;
}

/**
 * Where seeded photos are taken, most active first: the rank the check-in Zipf draws by
 * (WorkloadModel.checkInCityZipfExponent). Real city-centre coordinates; the order is an
 * assumption (2011 Instagram's users were mostly in the US, then Europe and Asia; no per-city
 * figure was published). Both hemispheres and both signs of longitude, so a sign slip in
 * coordinate handling shows.
 */
export const CITIES: readonly City[] = Object.freeze([
  { name: 'New York', lat: 40.7128, lng: -74.006 },
  { name: 'Los Angeles', lat: 34.0522, lng: -118.2437 },
  { name: 'San Francisco', lat: 37.7749, lng: -122.4194 },
  { name: 'London', lat: 51.5074, lng: -0.1278 },
  { name: 'Tokyo', lat: 35.6762, lng: 139.6503 },
  { name: 'São Paulo', lat: -23.5505, lng: -46.6333 },
  { name: 'Bangkok', lat: 13.7563, lng: 100.5018 },
  { name: 'Paris', lat: 48.8566, lng: 2.3522 },
  { name: 'Chicago', lat: 41.8781, lng: -87.6298 },
  { name: 'Sydney', lat: -33.8688, lng: 151.2093 },
].map((city) => Object.freeze(city)));
