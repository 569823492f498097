import { Type, type Static } from '@sinclair/typebox';
import { validateConfig } from '../../lib/validate.ts';
import type { Endpoint } from '../requests/endpoints.ts';
import { DEFAULT_ACTIVITY_EXPONENT, DEFAULT_FOLLOW_TARGET_EXPONENT, DEFAULT_LIKE_TARGET_EXPONENT } from '../requests/targeting-defaults.ts';
import type { Targeting } from '../requests/targeting-schema.ts';
import type { CheckInModel } from './check-ins.ts';

/**
 * The workload model: the 2011 per-user ratios (docs/facts.md) and the assumptions that fill
 * the gaps, each a parameter whose description cites its source or says "Assumption".
 * The scale rule: a run at scaleFactor s keeps every ratio and shrinks counts by s.
 */
export const WorkloadModelSchema = Type.Object(
  {
    scaleFactor: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 1 / 5000,
      description: 'Fraction of the 2011 user base to generate. 1/5000 (2,800 users) for quick runs; 1/100 (140K users, ~3M media) for the full one.',
    }),
    referenceUsers: Type.Integer({
      minimum: 1,
      default: 14_000_000,
      description: 'Users at the reference point: 14M+, Dec 2011 ("What Powers Instagram", Instagram Engineering).',
    }),
    photosPerUser: Type.Number({
      minimum: 0,
      default: 21,
      description: 'Mean media per user: 300M photos / 14M users (FACTS.md; ~29 at Dec 2011 with 400M).',
    }),
    mediaPerUserSigma: Type.Number({
      minimum: 0,
      maximum: 4,
      default: 1,
      description: 'Log-normal spread of media per user around photosPerUser (0 = everyone has the mean). Assumption.',
    }),
    followerZipfExponent: Type.Number({
      minimum: 0,
      maximum: 5,
      default: DEFAULT_FOLLOW_TARGET_EXPONENT,
      description: 'Zipf exponent of followee popularity: a few celebrities get most follows. Assumption (FACTS.md: heavy-tailed, exponent unpublished).',
    }),
    meanFollowing: Type.Number({
      minimum: 0,
      default: 20,
      description: 'Mean accounts each user follows. Assumption (no 2011 figure).',
    }),
    followingSigma: Type.Number({
      minimum: 0,
      maximum: 4,
      default: 1,
      description: 'Log-normal spread of how many accounts each user follows. Assumption.',
    }),
    likesPerPhotoZipfExponent: Type.Number({
      minimum: 0,
      maximum: 10,
      default: DEFAULT_LIKE_TARGET_EXPONENT,
      description: 'Zipf exponent of likes over media ranked by hotness (celebrities\' media first). Assumption.',
    }),
    userActivityZipfExponent: Type.Number({
      minimum: 0,
      maximum: 10,
      default: DEFAULT_ACTIVITY_EXPONENT,
      description: 'Zipf exponent of how often each user acts (0 = uniform). Assumption.',
    }),
    uploadsPerSecond: Type.Number({
      exclusiveMinimum: 0,
      default: 25,
      description: 'Reference upload rate at 14M users: more than 25 photos/s ("Sharding & IDs at Instagram", autumn 2011).',
    }),
    likesPerUpload: Type.Number({
      minimum: 0,
      default: 90 / 25,
      description: 'Likes per upload: 90 likes/s : 25 photos/s = 3.6 ("Sharding & IDs at Instagram").',
    }),
    followsPerUpload: Type.Number({
      minimum: 0,
      default: 1,
      description: 'New follows per upload. Assumption (no 2011 figure).',
    }),
    signupsPerUpload: Type.Number({
      minimum: 0,
      default: 0.015,
      description: 'Sign-ups per upload: 14M users in ~14 months since launch (Oct 2010) is ~0.38/s against 25 uploads/s. An estimate.',
    }),
    feedReadsPerWrite: Type.Number({
      minimum: 0,
      default: 100,
      description: 'Feed reads per write (upload, like, follow, sign-up): reads:writes ~100:1 (Instagram talks, PyCon 2013 / "Scaling Instagram" 2012). Assumption.',
    }),
    mediaReadsPerFeedRead: Type.Number({
      minimum: 0,
      default: 0.1,
      description: 'Single-media views (GET /media/:id) per feed read; feed pages already carry their media. Assumption.',
    }),
    geotaggedShare: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.2,
      description:
        'Share of media uploaded with a location. Assumption: no 2011 figure. The 2011 client offered to tag a place on every share; later third-party crawls report 15% or less of posts geotagged, so 0.2 is a plausible early-adopter share. It gives ~12K seeded points at the default scale.',
    }),
    checkInCityZipfExponent: Type.Number({
      minimum: 0,
      maximum: 5,
      default: 1,
      description: 'Zipf exponent of which city a user takes photos in, over the cities of scenarios/workload/cities.ts by rank (check-ins are heavy-tailed across cities). Assumption.',
    }),
    checkInMedianDistanceM: Type.Number({
      exclusiveMinimum: 0,
      maximum: 60_000,
      default: 3000,
      description: 'Median distance of a geotagged photo from its city centre, metres (check-ins crowd downtown). Assumption.',
    }),
    checkInDistanceSigma: Type.Number({
      minimum: 0,
      maximum: 3,
      default: 1,
      description: 'Log-normal spread of that distance: at 1, half of the photos are within the median and 1 in 10 beyond 3.6x it. Assumption.',
    }),
    nearbyQueriesPerFeedRead: Type.Number({
      minimum: 0,
      default: 0,
      description:
        'Nearby searches (GET /media/nearby) per feed read. Assumption: the 2011 rate of geo-search is unpublished; 0 keeps the derived mix and the reference rate to the published figures, and the nearby plan sets its own mix.',
    }),
  },
  { additionalProperties: false },
);
export type WorkloadModel = Static<typeof WorkloadModelSchema>;

/**
 * Fills defaults, checks every field and freezes; throws FeedscaleError CFG_ERR_INVALID naming
 * each broken field.
 *
 * @example
 * const model = createWorkloadModel({ scaleFactor: 1 / 100 }); // 140,000 users
 */
export function createWorkloadModel(input: Partial<WorkloadModel> = {}): Readonly<WorkloadModel> {
  return validateConfig(WorkloadModelSchema, input, 'workload model');
}

/** Users generated at the model's scale: round(referenceUsers x scaleFactor), at least 1. */
export function usersAtScale(model: Pick<WorkloadModel, 'referenceUsers' | 'scaleFactor'>): number {
  return Math.max(1, Math.round(model.referenceUsers * model.scaleFactor));
}

/** Operations per upload, before normalisation; the common unit of deriveOperationMix. */
function operationsPerUpload(model: WorkloadModel): Record<Endpoint, number> {
  const writes = 1 + model.likesPerUpload + model.followsPerUpload + model.signupsPerUpload;
  const feedReads = model.feedReadsPerWrite * writes;
  return {
    'feed.read': feedReads,
    'media.read': feedReads * model.mediaReadsPerFeedRead,
    'media.nearby': feedReads * model.nearbyQueriesPerFeedRead,
    'media.like': model.likesPerUpload,
    'follow.create': model.followsPerUpload,
    'upload.start': 1,
    'user.create': model.signupsPerUpload,
  };
}

/**
 * The 2011 operation mix as weights over endpoints that sum to 1. An upload (start + object PUT +
 * complete) counts once, as upload.start. 2011 logins were session reuse, not a request of their
 * own here; sign-ups (user.create) stand for account creation.
 */
export function deriveOperationMix(model: WorkloadModel): Record<Endpoint, number> {
  const perUpload = operationsPerUpload(model);
  const total = Object.values(perUpload).reduce((a, b) => a + b, 0);
  const mix = {} as Record<Endpoint, number>;
  for (const [endpoint, count] of Object.entries(perUpload) as [Endpoint, number][]) mix[endpoint] = count / total;
  return mix;
}

/**
 * Requests per second the whole 2011 user base made at the reference upload rate. Divide a
 * sustained rate by `referenceRateRps / referenceUsers` to report "users supported at 2011
 * per-user rates" (FACTS.md, the scale rule).
 */
export function referenceRateRps(model: WorkloadModel): number {
  const perUpload = operationsPerUpload(model);
  return model.uploadsPerSecond * Object.values(perUpload).reduce((a, b) => a + b, 0);
}

/** Users a sustained request rate would serve at 2011 per-user rates. */
export function usersSupported(model: WorkloadModel, sustainedRateRps: number): number {
  return (sustainedRateRps * model.referenceUsers) / referenceRateRps(model);
}

/** Where geotagged media are taken (the dataset's check-in sampler), from the model. */
export function deriveCheckInModel(model: WorkloadModel): CheckInModel {
  return { cityZipfExponent: model.checkInCityZipfExponent, medianDistanceM: model.checkInMedianDistanceM, distanceSigma: model.checkInDistanceSigma };
}

/** The request generator's targeting, taken from the model's skew assumptions. */
export function deriveTargeting(model: WorkloadModel): Targeting {
  return {
    activityExponent: model.userActivityZipfExponent,
    likeTargetExponent: model.likesPerPhotoZipfExponent,
    followTargetExponent: model.followerZipfExponent,
  };
}
