import { createHash } from 'node:crypto';
import type { Dataset } from '../../lib/dataset-types.ts';

const RECORDS_PER_CHUNK = 8192;
const NO_COORDINATE = 1000;

/**
 * A stable content hash (SHA-256, hex) of a dataset: every field of every user, media and follow,
 * in array order. 64-bit IDs and numbers go in as little-endian binary (BigInt-to-string is the slow
 * part at millions of rows), text fields as tab/newline-separated strings. Same seed and options =>
 * same digest. Kept out of dataset.ts so the generator stays free of Node imports.
 */
export function datasetDigest(dataset: Dataset): string {
  const hash = createHash('sha256');
  // v2: media locations are part of the content.
  hash.update(`feedscale-dataset v2 seed=${dataset.seed} logicalShards=${dataset.logicalShards}\n`);
  const ids = new BigUint64Array(RECORDS_PER_CHUNK * 2);
  const numbers = new Float64Array(RECORDS_PER_CHUNK * 3);
  const flush = (idCount: number, numberCount: number, text: string): void => {
    hash.update(new Uint8Array(ids.buffer, 0, idCount * 8));
    hash.update(new Uint8Array(numbers.buffer, 0, numberCount * 8));
    hash.update(text);
  };

  const { users, media, follows } = dataset;
  hash.update(`users:${users.length}\n`);
  for (let start = 0; start < users.length; start += RECORDS_PER_CHUNK) {
    const end = Math.min(users.length, start + RECORDS_PER_CHUNK);
    let text = '';
    for (let i = start, k = 0; i < end; i++, k++) {
      const u = users[i]!;
      ids[k] = u.id;
      numbers[2 * k] = u.logicalShard;
      numbers[2 * k + 1] = u.createdAtMs;
      text += `${u.username}\n`;
    }
    flush(end - start, 2 * (end - start), text);
  }
  hash.update(`media:${media.length}\n`);
  for (let start = 0; start < media.length; start += RECORDS_PER_CHUNK) {
    const end = Math.min(media.length, start + RECORDS_PER_CHUNK);
    let text = '';
    for (let i = start, k = 0; i < end; i++, k++) {
      const m = media[i]!;
      ids[2 * k] = m.id;
      ids[2 * k + 1] = m.ownerId;
      numbers[3 * k] = m.createdAtMs;
      // No location is (1000, 1000): out of range for a real one, and no NaN payload to vary.
      numbers[3 * k + 1] = m.location?.lat ?? NO_COORDINATE;
      numbers[3 * k + 2] = m.location?.lng ?? NO_COORDINATE;
      text += `${m.objectKey}\t${JSON.stringify(m.caption)}\n`;
    }
    flush(2 * (end - start), 3 * (end - start), text);
  }
  hash.update(`follows:${follows.length}\n`);
  for (let start = 0; start < follows.length; start += RECORDS_PER_CHUNK) {
    const end = Math.min(follows.length, start + RECORDS_PER_CHUNK);
    for (let i = start, k = 0; i < end; i++, k++) {
      const f = follows[i]!;
      ids[2 * k] = f.followerId;
      ids[2 * k + 1] = f.followeeId;
      numbers[k] = f.createdAtMs;
    }
    flush(2 * (end - start), end - start, '');
  }
  return hash.digest('hex');
}
