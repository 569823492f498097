import { describe, expect, it } from 'vitest';
import {
  arcForChordM,
  chordForArcM,
  destinationPoint,
  EARTH_RADIUS_M,
  earthPoint,
  greatCircleDistanceM,
  isGeoPoint,
  nearbySearchCubes,
  wrapLongitude,
} from './geo-point.ts';

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

describe('the cube geometry of the nearby search', () => {
  const ny = { lat: 40.7128, lng: -74.006 };

  it('puts points on the earthdistance sphere, and chord and arc convert both ways', () => {
    const [x, y, z] = earthPoint(ny);
    expect(Math.hypot(x, y, z)).toBeCloseTo(EARTH_RADIUS_M, 6);
    for (const arcM of [0.5, 250, 20_000, 5_000_000]) expect(arcForChordM(chordForArcM(arcM))).toBeCloseTo(arcM, 6);
    expect(chordForArcM(0)).toBe(0);
    expect(chordForArcM(Math.PI * EARTH_RADIUS_M)).toBe(2 * EARTH_RADIUS_M);
  });

  it('measures the same distance through the chord as along the great circle', () => {
    const to = destinationPoint(ny, 2, 1234.5);
    const a = earthPoint(ny);
    const b = earthPoint(to);
    expect(arcForChordM(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]))).toBeCloseTo(greatCircleDistanceM(ny, to), 6);
  });

  it('bounds every point within the radius by the cube around the centre', () => {
    const { point, box, maxChordM } = nearbySearchCubes(ny, 5000);
    const corners = box.slice(1, -1).split('),(').map((c) => c.split(', ').map(Number));
    expect(point).toMatch(/^\(-?[\d.e+-]+, -?[\d.e+-]+, -?[\d.e+-]+\),\(/);
    for (let k = 0; k < 32; k++) {
      const p = earthPoint(destinationPoint(ny, (k * Math.PI) / 16, 4999.9));
      p.forEach((v, axis) => {
        expect(v).toBeGreaterThanOrEqual(corners[0]![axis]!);
        expect(v).toBeLessThanOrEqual(corners[1]![axis]!);
      });
    }
    expect(maxChordM).toBeCloseTo(chordForArcM(5000), 9);
  });
});
