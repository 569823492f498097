/**
 * Points on the Earth as the nearby search sees them. Pure and dependency-free, so the dataset
 * generator, the request generator (k6 too) and the tests use the same arithmetic as Postgres.
 */

/** Latitude and longitude in degrees (WGS84 as phones report them). */
export interface GeoPoint {
  lat: number;
  lng: number;
}

/**
 * The sphere earthdistance measures on: its `earth()` function returns 6,378,168 m. Distances
 * here agree with `earth_distance` to float rounding, so a test can predict what Postgres finds.
 */
export const EARTH_RADIUS_M = 6_378_168;

/** Largest radius GET /media/nearby accepts: a metro area, and a bound on the rows a shard scans. */
export const MAX_NEARBY_RADIUS_M = 50_000;

const RAD = Math.PI / 180;

/** True when lat is in [-90, 90] and lng in [-180, 180], both finite numbers. */
export function isGeoPoint(point: { lat: unknown; lng: unknown }): point is GeoPoint {
  const { lat, lng } = point;
  return typeof lat === 'number' && typeof lng === 'number' && lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180;
}

/** Great-circle distance in metres on the earthdistance sphere (haversine form, stable for short distances). */
export function greatCircleDistanceM(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLng = (b.lng - a.lng) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The point `distanceM` from `origin` along the great circle that leaves it at `bearingRad`
 * (0 = north, clockwise). Longitude is wrapped into [-180, 180).
 *
 * @example
 * destinationPoint({ lat: 40.7128, lng: -74.006 }, Math.PI / 2, 1000); // 1 km east of lower Manhattan
 */
export function destinationPoint(origin: GeoPoint, bearingRad: number, distanceM: number): GeoPoint {
  const angular = distanceM / EARTH_RADIUS_M;
  const lat1 = origin.lat * RAD;
  const lng1 = origin.lng * RAD;
  const sinLat2 = Math.sin(lat1) * Math.cos(angular) + Math.cos(lat1) * Math.sin(angular) * Math.cos(bearingRad);
  const lat2 = Math.asin(Math.max(-1, Math.min(1, sinLat2)));
  const lng2 = lng1 + Math.atan2(Math.sin(bearingRad) * Math.sin(angular) * Math.cos(lat1), Math.cos(angular) - Math.sin(lat1) * sinLat2);
  return { lat: lat2 / RAD, lng: wrapLongitude(lng2 / RAD) };
}

/** Longitude in degrees wrapped into [-180, 180). */
export function wrapLongitude(lng: number): number {
  return ((((lng + 180) % 360) + 360) % 360) - 180;
}

/**
 * A point as Postgres' cube stores it for the nearby index: Earth-centred x, y, z in metres on the
 * earthdistance sphere, as its `ll_to_earth(lat, lng)` computes them.
 */
export function earthPoint(point: GeoPoint): [number, number, number] {
  const lat = point.lat * RAD;
  const lng = point.lng * RAD;
  return [EARTH_RADIUS_M * Math.cos(lat) * Math.cos(lng), EARTH_RADIUS_M * Math.cos(lat) * Math.sin(lng), EARTH_RADIUS_M * Math.sin(lat)];
}

/** Straight-line distance through the Earth between two points a great-circle `arcM` apart (earthdistance's gc_to_sec). */
export function chordForArcM(arcM: number): number {
  if (arcM <= 0) return 0;
  if (arcM / EARTH_RADIUS_M >= Math.PI) return 2 * EARTH_RADIUS_M;
  return 2 * EARTH_RADIUS_M * Math.sin(arcM / (2 * EARTH_RADIUS_M));
}

/** Great-circle distance of two points `chordM` apart in a straight line (earthdistance's sec_to_gc). */
export function arcForChordM(chordM: number): number {
  if (chordM <= 0) return 0;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, chordM / (2 * EARTH_RADIUS_M)));
}

/**
 * What the nearby statement of every shard gets: the centre as a cube point, the cube around it
 * that holds every point within the radius (each axis +- the radius's chord: earthdistance's
 * earth_box), and that chord, the exact bound on the straight-line distance. In cube's text form.
 */
export function nearbySearchCubes(center: GeoPoint, radiusM: number): { point: string; box: string; maxChordM: number } {
  const p = earthPoint(center);
  const maxChordM = chordForArcM(radiusM);
  const text = (lo: readonly number[], hi: readonly number[]) => `(${lo.join(', ')}),(${hi.join(', ')})`;
  return { point: text(p, p), box: text(p.map((v) => v - maxChordM), p.map((v) => v + maxChordM)), maxChordM };
}
