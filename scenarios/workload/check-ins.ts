import type { Rng } from '../../lib/random/prng.ts';
import { destinationPoint, type GeoPoint } from '../../system/data/geo-point.ts';
import { createZipfSampler, sampleStandardNormal } from '../random/samplers.ts';
import { CITIES, type City } from './cities.ts';

/** How check-ins spread: over cities by rank, and around a city's centre. */
export interface CheckInModel {
  /** Zipf exponent over the cities' ranks (0 = every city alike). */
  cityZipfExponent: number;
  /** Median distance of a photo from its city's centre, metres. */
  medianDistanceM: number;
  /** Log-normal spread of that distance (0 = every photo at the median distance). */
  distanceSigma: number;
}

/** Farther than this from the centre is another place, not the city: such draws are redrawn. */
export const MAX_CHECK_IN_DISTANCE_M = 60_000;
const MAX_REDRAWS = 16;

export interface CheckInSampler {
  readonly cities: readonly City[];
  /** A city index, by Zipf over rank (0 is the most active). */
  city(rng: Rng): number;
  /** A point around city `index`: uniform bearing, log-normal distance from its centre. */
  around(rng: Rng, index: number): GeoPoint;
}

/**
 * Seeded check-in locations: a few dense cities, skewed like real check-ins (a Zipf over cities,
 * most photos within a few km of the centre, a long tail to the suburbs). Pure: every number
 * comes from the Rng passed in.
 *
 * @example
 * const checkIns = createCheckInSampler({ cityZipfExponent: 1, medianDistanceM: 3000, distanceSigma: 1 });
 * const home = checkIns.city(rng);
 * const where = checkIns.around(rng, home); // { lat, lng } near New York most often
 */
export function createCheckInSampler(model: CheckInModel, cities: readonly City[] = CITIES): CheckInSampler {
  if (cities.length === 0) throw new RangeError('a check-in sampler needs at least one city');
  if (!(model.medianDistanceM > 0) || model.medianDistanceM > MAX_CHECK_IN_DISTANCE_M) {
    throw new RangeError(`medianDistanceM must be in (0, ${MAX_CHECK_IN_DISTANCE_M}], got ${model.medianDistanceM}`);
  }
  if (!(model.distanceSigma >= 0)) throw new RangeError(`distanceSigma must be >= 0, got ${model.distanceSigma}`);
  const zipf = createZipfSampler(cities.length, model.cityZipfExponent);
  const logMedian = Math.log(model.medianDistanceM);
  return {
    cities,
    city: (rng) => zipf.sample(rng) - 1,
    around(rng, index) {
      const centre = cities[index];
      if (!centre) throw new RangeError(`no city ${index} (have ${cities.length})`);
      const bearingRad = rng.nextFloat() * 2 * Math.PI;
      let distanceM = Math.exp(logMedian + model.distanceSigma * sampleStandardNormal(rng));
      for (let redraws = 0; distanceM > MAX_CHECK_IN_DISTANCE_M && redraws < MAX_REDRAWS; redraws++) {
        distanceM = Math.exp(logMedian + model.distanceSigma * sampleStandardNormal(rng));
      }
      return destinationPoint(centre, bearingRad, Math.min(distanceM, MAX_CHECK_IN_DISTANCE_M));
    },
  };
}
