import { describe, expect, it } from 'vitest';
import type { Dataset, DatasetMedia } from '../../lib/dataset-types.ts';
import { encodeId, shardOfId } from './ids.ts';
import { buildCelebrityMedia, buildFeeds, countFollowers, escapeCopyText, newerMedia, partitionDataset } from './seed-loader.ts';
import { createRng } from '../../lib/random/prng.ts';


const BASE_MS = 1_400_000_000_000;

/** A small dataset with heavy-ish fan-in, several media per owner and timestamp ties. */
function makeDataset(seed: number, userCount: number, logicalShards: number): Dataset {
  const rng = createRng(seed);
  const random = () => rng.nextFloat();
  const users = Array.from({ length: userCount }, (_, i) => {
    const logicalShard = Math.floor(random() * logicalShards);
    const createdAtMs = BASE_MS + i;
    return { id: encodeId({ timeMs: createdAtMs, logicalShard, sequence: i }), username: `user_${i}`, logicalShard, createdAtMs };
  });
  const follows: Dataset['follows'] = [];
  for (const follower of users) {
    for (const followee of users) {
      if (follower !== followee && random() < 0.3) follows.push({ followerId: follower.id, followeeId: followee.id, createdAtMs: BASE_MS + 1000 });
    }
  }
  const media: DatasetMedia[] = [];
  users.forEach((owner, i) => {
    const n = Math.floor(random() * 8);
    for (let j = 0; j < n; j++) {
      // Coarse timestamps force ties, which the ID must break.
      const createdAtMs = BASE_MS + 10_000 + Math.floor(random() * 20) * 1000;
      const id = encodeId({ timeMs: createdAtMs, logicalShard: owner.logicalShard, sequence: i * 8 + j });
      media.push({ id, ownerId: owner.id, objectKey: `u/${owner.id}/${j}.jpg`, caption: `c${j}`, createdAtMs });
    }
  });
  return { seed, logicalShards, users, follows, media };
}

describe('buildFeeds', () => {
  const dataset = makeDataset(7, 40, 8);

  it('equals materialising every push and sorting, capped at maxLength', () => {
    const maxLength = 12;
    const feeds = [...buildFeeds(dataset, maxLength)];
    expect(feeds).toHaveLength(dataset.users.length);
    for (const { userId, mediaIds } of feeds) {
      const owners = new Set([userId, ...dataset.follows.filter((f) => f.followerId === userId).map((f) => f.followeeId)]);
      const expected = dataset.media
        .filter((m) => owners.has(m.ownerId))
        .sort((a, b) => (newerMedia(a, b) ? -1 : 1))
        .slice(0, maxLength)
        .map((m) => m.id);
      expect(mediaIds).toEqual(expected);
    }
  });

  it('puts a user own media in their feed, as the upload path does', () => {
    const loner = dataset.users.find((u) => !dataset.follows.some((f) => f.followerId === u.id) && dataset.media.some((m) => m.ownerId === u.id));
    const withOwn = loner ?? dataset.users[0]!;
    const feed = [...buildFeeds(dataset, 500)].find((f) => f.userId === withOwn.id)!;
    const own = dataset.media.filter((m) => m.ownerId === withOwn.id).map((m) => m.id);
    for (const id of own) expect(feed.mediaIds).toContain(id);
  });

  it('gives the same feeds for the same dataset', () => {
    expect([...buildFeeds(makeDataset(7, 40, 8), 20)]).toEqual([...buildFeeds(makeDataset(7, 40, 8), 20)]);
  });
});

describe('partitionDataset', () => {
  const dataset = makeDataset(3, 30, 4);
  const parts = partitionDataset(dataset);
  const firstColumn = (line: string): bigint => BigInt(line.split('\t')[0]!);

  it('puts every row on the logical shard of the ID that owns it', () => {
    for (const [shard, rows] of parts) {
      for (const line of [...rows.users, ...rows.following, ...rows.followers, ...rows.media]) {
        expect(shardOfId(firstColumn(line))).toBe(shard);
      }
    }
  });

  it('writes each follow twice: following on the follower shard, followers on the followee shard', () => {
    let following = 0;
    let followers = 0;
    for (const rows of parts.values()) {
      following += rows.following.length;
      followers += rows.followers.length;
    }
    expect(following).toBe(dataset.follows.length);
    expect(followers).toBe(dataset.follows.length);
  });

  it('writes one COPY text line per row with tab-separated columns', () => {
    const line = [...parts.values()].flatMap((r) => r.media)[0]!;
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd().split('\t')).toHaveLength(7);
  });

  it('writes a media location as exact lat and lng, and \\N for media without one', () => {
    const [first, second] = dataset.media;
    const located: Dataset = { ...dataset, media: [{ ...first!, location: { lat: 40.712776, lng: -74.005974 } }, { ...second!, location: undefined }] };
    const lines = [...partitionDataset(located).values()].flatMap((r) => r.media);
    const columns = (id: bigint) => lines.find((l) => firstColumn(l) === id)!.trimEnd().split('\t');
    expect(columns(first!.id).slice(5)).toEqual(['40.712776', '-74.005974']);
    expect(columns(second!.id).slice(5)).toEqual(['\\N', '\\N']);
  });
});

describe('escapeCopyText', () => {
  it('escapes the characters COPY text format treats as syntax', () => {
    expect(escapeCopyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
  });

  it('leaves other text, emoji included, untouched', () => {
    expect(escapeCopyText('sunset 🌅 #nofilter, "quoted"')).toBe('sunset 🌅 #nofilter, "quoted"');
  });
});

describe('read-time merge in the seeded feeds', () => {
  const dataset = makeDataset(11, 30, 4);
  const counts = countFollowers(dataset);
  const [bigOwner] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const merged = new Set([bigOwner]);

  it('counts followers per followed user', () => {
    const expected = dataset.follows.filter((f) => f.followeeId === bigOwner).length;
    expect(counts.get(bigOwner)).toBe(expected);
  });

  it('keeps a merged account\'s media out of its followers\' feeds but in its own', () => {
    const own = new Set(dataset.media.filter((m) => m.ownerId === bigOwner).map((m) => m.id));
    expect(own.size).toBeGreaterThan(0);
    for (const { userId, mediaIds } of buildFeeds(dataset, 500, merged)) {
      const fromBig = mediaIds.filter((id) => own.has(id));
      if (userId === bigOwner) expect(fromBig.length).toBe(own.size);
      else expect(fromBig).toEqual([]);
    }
  });

  it('lists a merged account\'s newest media, newest first and capped, for feed reads to merge', () => {
    const lists = buildCelebrityMedia(dataset, merged, 3);
    const expected = dataset.media
      .filter((m) => m.ownerId === bigOwner)
      .sort((a, b) => (newerMedia(a, b) ? -1 : 1))
      .slice(0, 3)
      .map((m) => m.id);
    expect([...lists.keys()]).toEqual([bigOwner]);
    expect(lists.get(bigOwner)).toEqual(expected);
  });
});
