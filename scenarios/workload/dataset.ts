import { FeedscaleError } from '../../lib/errors.ts';
import { encodeId, INSTAGRAM_EPOCH_MS, MAX_LOGICAL_SHARDS } from '../../system/data/ids.ts';
import { logicalShardForUsername } from '../../system/data/shard-map.ts';
import { createRng, type Rng } from '../../lib/random/prng.ts';
import { createZipfSampler, roundStochastic, sampleLogNormal, shuffleInPlace } from '../random/samplers.ts';
import type { Dataset, DatasetFollow, DatasetMedia, DatasetUser } from '../../lib/dataset-types.ts';
import { createCheckInSampler } from './check-ins.ts';
import { deriveCheckInModel, usersAtScale, type WorkloadModel } from './model.ts';

export interface GenerateDatasetOptions {
  seed: number;
  /** Logical shards (Postgres schemas) users are spread over; must match the stack's AppConfig.logicalShards. */
  logicalShards: number;
  /** ID epoch; must match the stack's AppConfig.idEpochMs. Defaults to Instagram's. */
  epochMs?: number;
  /** Cap on users, whatever the scale factor says (for tests and smoke runs). */
  maxUsers?: number;
}

const DAY_MS = 86_400_000;
/** The synthetic timeline ends here; it never reads the real clock. */
export const SYNTHETIC_END_MS = Date.UTC(2012, 0, 1);
/** Days of activity the dataset spans, ending at SYNTHETIC_END_MS. */
export const TIMELINE_DAYS = 120;
/** Users join evenly over the first JOIN_DAYS days; media and follows come after the join. */
const JOIN_DAYS = TIMELINE_DAYS / 2;

const CAPTION_WORDS_A = ['sunny', 'quiet', 'golden', 'misty', 'late', 'early', 'urban', 'lazy', 'bright', 'rainy', 'happy', 'cold', 'warm', 'blue', 'old', 'new'];
const CAPTION_WORDS_B = ['morning', 'coffee', 'street', 'beach', 'sunset', 'bridge', 'garden', 'skyline', 'dinner', 'harbor', 'train', 'market', 'window', 'park', 'dog', 'lake'];
/** 256 interned captions: short, deterministic, and shared so 3M media cost no caption memory. */
const CAPTIONS = CAPTION_WORDS_A.flatMap((a) => CAPTION_WORDS_B.map((b) => `${a} ${b}`));

/** Username of the i-th generated user. Generated sign-ups (request generator) use a 'g' prefix. */
export function datasetUsername(index: number): string {
  return `u${String(index).padStart(6, '0')}`;
}

function checkOptions(options: GenerateDatasetOptions): void {
  const { seed, logicalShards, epochMs, maxUsers } = options;
  const problems: string[] = [];
  if (!Number.isSafeInteger(seed)) problems.push(`seed must be a safe integer (got ${seed})`);
  if (!Number.isInteger(logicalShards) || logicalShards < 1 || logicalShards > MAX_LOGICAL_SHARDS) {
    problems.push(`logicalShards must be an integer in [1, ${MAX_LOGICAL_SHARDS}] (got ${logicalShards})`);
  }
  if (epochMs !== undefined && !Number.isSafeInteger(epochMs)) problems.push(`epochMs must be an integer (got ${epochMs})`);
  if (maxUsers !== undefined && (!Number.isInteger(maxUsers) || maxUsers < 1)) problems.push(`maxUsers must be a positive integer (got ${maxUsers})`);
  if (problems.length > 0) {
    throw new FeedscaleError('CFG_ERR_INVALID', `invalid dataset options:\n  ${problems.join('\n  ')}`, { details: problems });
  }
}

/** Counting sort of item indices by day: returns the order and the start offset of each day. */
function orderByDay(days: Uint16Array, dayCount: number): { order: Uint32Array; offsets: Uint32Array } {
  const offsets = new Uint32Array(dayCount + 1);
  for (let i = 0; i < days.length; i++) offsets[(days[i] as number) + 1]! += 1;
  for (let d = 0; d < dayCount; d++) offsets[d + 1]! += offsets[d]!;
  const cursor = offsets.slice(0, dayCount);
  const order = new Uint32Array(days.length);
  for (let i = 0; i < days.length; i++) {
    const d = days[i] as number;
    order[cursor[d]!++] = i;
  }
  return { order, offsets };
}

/** Each user's media count: log-normal around photosPerUser (FACTS.md: 300M/14M ~ 21). */
function drawMediaCounts(rng: Rng, model: WorkloadModel, userCount: number): Uint32Array {
  const counts = new Uint32Array(userCount);
  for (let i = 0; i < userCount; i++) counts[i] = roundStochastic(rng, sampleLogNormal(rng, model.photosPerUser, model.mediaPerUserSigma));
  return counts;
}

/**
 * Who follows whom. Each user follows a log-normal number of accounts (mean meanFollowing), each
 * drawn by Zipf popularity rank, so a few celebrities collect most follows. No self-follows, no
 * duplicate edges: a per-follower mark array rejects repeats in O(1) without allocation.
 */
function drawFollows(rng: Rng, model: WorkloadModel, userCount: number): { follower: Uint32Array; followee: Uint32Array } {
  const countRng = rng.fork('following-counts');
  const pickRng = rng.fork('followees');
  const maxFollowing = userCount - 1;
  const counts = new Uint32Array(userCount);
  let total = 0;
  for (let u = 0; u < userCount; u++) {
    const k = Math.min(maxFollowing, roundStochastic(countRng, sampleLogNormal(countRng, model.meanFollowing, model.followingSigma)));
    counts[u] = k;
    total += k;
  }
  // Popularity rank -> user: a seeded permutation, so celebrities land on any shard and join date.
  const byRank = shuffleInPlace(rng.fork('popularity'), Uint32Array.from({ length: userCount }, (_, i) => i));
  const zipf = createZipfSampler(userCount, model.followerZipfExponent);
  const follower = new Uint32Array(total);
  const followee = new Uint32Array(total);
  const pickedBy = new Int32Array(userCount).fill(-1);
  let edge = 0;
  for (let u = 0; u < userCount; u++) {
    const k = counts[u] as number;
    pickedBy[u] = u; // never follow yourself
    let picked = 0;
    let attempts = 0;
    const maxAttempts = 20 * k + 100;
    while (picked < k && attempts < maxAttempts) {
      attempts++;
      const v = byRank[zipf.sample(pickRng) - 1] as number;
      if (pickedBy[v] === u) continue;
      pickedBy[v] = u;
      follower[edge] = u;
      followee[edge] = v;
      edge++;
      picked++;
    }
    // Rejection stalls only when k is close to the user count (tiny datasets): fill by a scan.
    for (let v = pickRng.nextInt(userCount), scanned = 0; picked < k && scanned < userCount; v = (v + 1) % userCount, scanned++) {
      if (pickedBy[v] === u) continue;
      pickedBy[v] = u;
      follower[edge] = u;
      followee[edge] = v;
      edge++;
      picked++;
    }
  }
  return { follower, followee };
}

/**
 * Generates the seeded dataset: users, their media (a geotaggedShare of them with a location around
 * the owner's home city) and who follows whom, with IDs minted exactly as
 * the stack's `next_id()` would (system/data/ids.ts) from a synthetic timeline that ends on
 * 2012-01-01 and never reads the clock. Every event gets its own millisecond, strictly increasing,
 * so IDs are unique and sort by creation time; users, media and follows are returned in that order.
 *
 * @example
 * const model = createWorkloadModel({ scaleFactor: 1 / 100 });
 * const dataset = generateDataset(model, { seed: 1, logicalShards: 16 });
 */
export function generateDataset(model: WorkloadModel, options: GenerateDatasetOptions): Dataset {
  checkOptions(options);
  const { seed, logicalShards, epochMs = INSTAGRAM_EPOCH_MS } = options;
  const userCount = Math.min(usersAtScale(model), options.maxUsers ?? Number.POSITIVE_INFINITY);
  const rng = createRng(seed);
  const startMs = Math.max(SYNTHETIC_END_MS - TIMELINE_DAYS * DAY_MS, epochMs);

  const usernames = Array.from({ length: userCount }, (_, i) => datasetUsername(i));
  const shards = Uint16Array.from(usernames, (name) => logicalShardForUsername(name, logicalShards));
  const joinDay = Uint16Array.from({ length: userCount }, (_, i) => Math.floor((i * JOIN_DAYS) / userCount));

  const mediaCounts = drawMediaCounts(rng.fork('media-counts'), model, userCount);
  const mediaTotal = mediaCounts.reduce((a, b) => a + b, 0);
  const mediaOwner = new Uint32Array(mediaTotal);
  const mediaDay = new Uint16Array(mediaTotal);
  const mediaDayRng = rng.fork('media-days');
  for (let u = 0, m = 0; u < userCount; u++) {
    const first = joinDay[u] as number;
    for (let c = 0; c < (mediaCounts[u] as number); c++, m++) {
      mediaOwner[m] = u;
      mediaDay[m] = first + mediaDayRng.nextInt(TIMELINE_DAYS - first);
    }
  }

  const { follower, followee } = drawFollows(rng, model, userCount);
  const followDay = new Uint16Array(follower.length);
  const followDayRng = rng.fork('follow-days');
  for (let f = 0; f < follower.length; f++) {
    const first = Math.max(joinDay[follower[f] as number] as number, joinDay[followee[f] as number] as number);
    followDay[f] = first + followDayRng.nextInt(TIMELINE_DAYS - first);
  }

  // Each user takes their geotagged photos around a home city (Zipf over cities): check-ins
  // cluster where people live. Own streams, so locations shift no other field of the dataset.
  const checkIns = createCheckInSampler(deriveCheckInModel(model));
  const homeCityRng = rng.fork('home-cities');
  const homeCity = Uint16Array.from({ length: userCount }, () => checkIns.city(homeCityRng));
  const locationRng = rng.fork('locations');

  const mediaByDay = orderByDay(mediaDay, TIMELINE_DAYS);
  const followsByDay = orderByDay(followDay, TIMELINE_DAYS);
  const captionRng = rng.fork('captions');
  const sequenceOf = new Uint32Array(logicalShards);
  const mint = (logicalShard: number, timeMs: number): bigint =>
    encodeId({ timeMs, logicalShard, sequence: sequenceOf[logicalShard]!++, epochMs });

  const users: DatasetUser[] = new Array(userCount);
  // Decimal user IDs, converted once: BigInt-to-string is the generator's hottest operation.
  const objectKeyPrefix: string[] = new Array(userCount);
  const media: DatasetMedia[] = new Array(mediaTotal);
  const follows: DatasetFollow[] = new Array(follower.length);
  let mediaOut = 0;
  let followsOut = 0;
  let nextUser = 0;
  for (let day = 0; day < TIMELINE_DAYS; day++) {
    let lastUser = nextUser;
    while (lastUser < userCount && joinDay[lastUser] === day) lastUser++;
    const mediaFrom = mediaByDay.offsets[day] as number;
    const mediaTo = mediaByDay.offsets[day + 1] as number;
    const followFrom = followsByDay.offsets[day] as number;
    const followTo = followsByDay.offsets[day + 1] as number;
    const events = lastUser - nextUser + (mediaTo - mediaFrom) + (followTo - followFrom);
    if (events > DAY_MS) throw new RangeError(`day ${day} has ${events} events, more than its milliseconds; lower the scale factor`);
    // Users first, then media, then follows: everything an event refers to already exists.
    const dayStartMs = startMs + day * DAY_MS;
    let k = 0;
    const nextTimeMs = (): number => dayStartMs + Math.floor((k++ * DAY_MS) / events);
    for (; nextUser < lastUser; nextUser++) {
      const createdAtMs = nextTimeMs();
      const logicalShard = shards[nextUser] as number;
      const id = mint(logicalShard, createdAtMs);
      users[nextUser] = { id, username: usernames[nextUser] as string, logicalShard, createdAtMs };
      objectKeyPrefix[nextUser] = `seed/${id.toString()}/`;
    }
    for (let i = mediaFrom; i < mediaTo; i++) {
      const ownerIndex = mediaOwner[mediaByDay.order[i] as number] as number;
      const owner = users[ownerIndex] as DatasetUser;
      const createdAtMs = nextTimeMs();
      const id = mint(owner.logicalShard, createdAtMs);
      media[mediaOut++] = {
        id,
        ownerId: owner.id,
        objectKey: (objectKeyPrefix[ownerIndex] as string) + id.toString() + '.jpg',
        caption: CAPTIONS[captionRng.nextInt(CAPTIONS.length)] as string,
        createdAtMs,
        location: locationRng.nextFloat() < model.geotaggedShare ? checkIns.around(locationRng, homeCity[ownerIndex] as number) : undefined,
      };
    }
    for (let i = followFrom; i < followTo; i++) {
      const f = followsByDay.order[i] as number;
      follows[followsOut++] = {
        followerId: (users[follower[f] as number] as DatasetUser).id,
        followeeId: (users[followee[f] as number] as DatasetUser).id,
        createdAtMs: nextTimeMs(),
      };
    }
  }
  return { seed, logicalShards, users, follows, media };
}
