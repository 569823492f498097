/**
 * Defaults of who acts and what they act on (see targeting-schema.ts). Plain constants so the pure
 * request generator can use them without importing TypeBox; the schema and the workload model
 * take their defaults from here.
 */

/**
 * Zipf exponent of user activity over the population's user list (0 = every user equally active).
 * Assumption: no 2011 figure; mild skew so no single feed dominates the cache.
 */
export const DEFAULT_ACTIVITY_EXPONENT = 0.6;

/**
 * Zipf exponent of likes (and media views) over media ranked by hotness (celebrities' recent media
 * first). Assumption: like counts per photo are heavy-tailed; no 2011 figure for the exponent.
 */
export const DEFAULT_LIKE_TARGET_EXPONENT = 1.0;

/**
 * Zipf exponent of new follows over users ranked by popularity (celebrities first). Assumption,
 * matched to the dataset's follower exponent (WorkloadModel.followerZipfExponent).
 */
export const DEFAULT_FOLLOW_TARGET_EXPONENT = 1.1;
