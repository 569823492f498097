import { describe, expect, it } from 'vitest';
import { destinationPoint, EARTH_RADIUS_M, greatCircleDistanceM, isGeoPoint, wrapLongitude } from './geo-point.ts';

describe('greatCircleDistanceM', () => {
  it('measures on earthdistance\'s sphere: a quarter meridian is pi/2 radii, a point is 0 from itself', () => {
    expect(greatCircleDistanceM({ lat: 0, lng: 0 }, { lat: 90, lng: 0 })).toBeCloseTo((Math.PI / 2) * EARTH_RADIUS_M, 3);
    expect(greatCircleDistanceM({ lat: 40.7128, lng: -74.006 }, { lat: 40.7128, lng: -74.006 })).toBe(0);
  });

  it('puts New York about 5,570 km from London, the same both ways', () => {
    const ny = { lat: 40.7128, lng: -74.006 };
    const london = { lat: 51.5074, lng: -0.1278 };
    expect(greatCircleDistanceM(ny, london) / 1000).toBeCloseTo(5572, -1);
    expect(greatCircleDistanceM(london, ny)).toBeCloseTo(greatCircleDistanceM(ny, london), 6);
  });
});

describe('destinationPoint', () => {
  it('lands exactly the distance away, in every direction', () => {
    const origin = { lat: 35.6762, lng: 139.6503 };
    for (let k = 0; k < 16; k++) {
      const to = destinationPoint(origin, (k * Math.PI) / 8, 1234.5);
      expect(greatCircleDistanceM(origin, to)).toBeCloseTo(1234.5, 6);
    }
  });

  it('wraps across the antimeridian into [-180, 180)', () => {
    const to = destinationPoint({ lat: 0, lng: 179.999 }, Math.PI / 2, 1000);
    expect(to.lng).toBeLessThan(-179.99);
    expect(isGeoPoint(to)).toBe(true);
    expect(wrapLongitude(180)).toBe(-180);
    expect(wrapLongitude(-540.5)).toBeCloseTo(179.5, 9);
  });
});

describe('isGeoPoint', () => {
  it('accepts the whole globe and nothing else', () => {
    expect(isGeoPoint({ lat: -90, lng: 180 })).toBe(true);
    for (const bad of [{ lat: 90.0001, lng: 0 }, { lat: 0, lng: -180.5 }, { lat: Number.NaN, lng: 0 }, { lat: '1', lng: 0 }, { lat: 0, lng: null }]) {
      expect(isGeoPoint(bad)).toBe(false);
    }
  });
});
