import { describe, expect, it } from 'vitest';
import {
  INSTAGRAM_EPOCH_MS,
  MAX_LOGICAL_SHARDS,
  SEQUENCE_BITS,
  SEQUENCE_MODULUS,
  SHARD_BITS,
  TIME_BITS,
  decodeId,
  encodeId,
  isId,
  nextIdFunctionSql,
  parseId,
  schemaName,
  shardOfId,
} from './ids.ts';

// Layout and epoch: "Sharding & IDs at Instagram" (2011), docs/facts.md.
const MAX_TIME_OFFSET_MS = 2 ** TIME_BITS - 1;
const INT64_MAX = 0x7fffffffffffffffn;

describe('the 2011 ID layout', () => {
  it('spends exactly 64 bits: 41 of time, 13 of logical shard, 10 of sequence', () => {
    expect(TIME_BITS + SHARD_BITS + SEQUENCE_BITS).toBe(64);
    expect(MAX_LOGICAL_SHARDS).toBe(8192);
    expect(SEQUENCE_MODULUS).toBe(1024);
    expect(INSTAGRAM_EPOCH_MS).toBe(Date.UTC(2011, 7, 24, 21, 7, 1, 721));
  });

  it('reproduces the worked example of the 2011 post (epoch 2011-01-01, shard 1341, sequence 5001)', () => {
    // The post: 1387263000 ms after its epoch, "<< 23", shard 1341 "<< 10", 5001 % 1024 = 905.
    const epochMs = Date.UTC(2011, 0, 1);
    const id = encodeId({ timeMs: epochMs + 1387263000, logicalShard: 1341, sequence: 5001, epochMs });
    expect(id).toBe(11637205501278089n);
    expect(decodeId(id, epochMs)).toEqual({ timeMs: epochMs + 1387263000, logicalShard: 1341, sequence: 905 });
  });
});

describe('encodeId and decodeId', () => {
  const t = INSTAGRAM_EPOCH_MS + 123_456_789;

  it.each([
    ['the epoch itself, shard 0, sequence 0', { timeMs: INSTAGRAM_EPOCH_MS, logicalShard: 0, sequence: 0 }],
    ['the highest shard (8191)', { timeMs: t, logicalShard: 8191, sequence: 0 }],
    ['the highest sequence (1023)', { timeMs: t, logicalShard: 0, sequence: 1023 }],
    ['every field at its maximum', { timeMs: INSTAGRAM_EPOCH_MS + MAX_TIME_OFFSET_MS, logicalShard: 8191, sequence: 1023 }],
    ['alternating bit patterns in every field', { timeMs: INSTAGRAM_EPOCH_MS + 0x15555555555, logicalShard: 0x1555, sequence: 0x2aa }],
  ])('round-trips %s', (_name, input) => {
    expect(decodeId(encodeId(input))).toEqual(input);
  });

  it('keeps the fields apart: the top shard and sequence never bleed into the time', () => {
    const id = encodeId({ timeMs: INSTAGRAM_EPOCH_MS, logicalShard: 8191, sequence: 1023 });
    expect(id).toBe((1n << 23n) - 1n);
    const next = encodeId({ timeMs: INSTAGRAM_EPOCH_MS + 1, logicalShard: 0, sequence: 0 });
    expect(next).toBe(1n << 23n);
    expect(decodeId(next).timeMs).toBe(INSTAGRAM_EPOCH_MS + 1);
  });

  it('wraps the sequence mod 1024 as next_id does: 1023 is followed by 0', () => {
    expect(decodeId(encodeId({ timeMs: t, logicalShard: 5, sequence: 1024 })).sequence).toBe(0);
    expect(decodeId(encodeId({ timeMs: t, logicalShard: 5, sequence: 1025 })).sequence).toBe(1);
    expect(decodeId(encodeId({ timeMs: t, logicalShard: 5, sequence: 5001 })).sequence).toBe(905);
    // Within one millisecond the wrap makes the later ID the smaller one, and the 1025th ID of
    // that millisecond equals the first: the scheme's 1024-IDs-per-shard-per-ms limit.
    const last = encodeId({ timeMs: t, logicalShard: 5, sequence: 1023 });
    const wrapped = encodeId({ timeMs: t, logicalShard: 5, sequence: 1024 });
    expect(wrapped < last).toBe(true);
    expect(wrapped).toBe(encodeId({ timeMs: t, logicalShard: 5, sequence: 0 }));
  });

  it('orders IDs of one shard by time first, then sequence', () => {
    const a = encodeId({ timeMs: t, logicalShard: 9, sequence: 1023 });
    const b = encodeId({ timeMs: t + 1, logicalShard: 9, sequence: 0 });
    expect(a < b).toBe(true);
  });

  it('floors fractional milliseconds', () => {
    expect(decodeId(encodeId({ timeMs: t + 0.9, logicalShard: 1, sequence: 1 })).timeMs).toBe(t);
  });

  it('honours a custom epoch on both sides', () => {
    const epochMs = Date.UTC(2020, 0, 1);
    const id = encodeId({ timeMs: epochMs + 42, logicalShard: 3, sequence: 7, epochMs });
    expect(id).toBe((42n << 23n) | (3n << 10n) | 7n);
    expect(decodeId(id, epochMs)).toEqual({ timeMs: epochMs + 42, logicalShard: 3, sequence: 7 });
  });

  it('rejects a time before the epoch or past the 41-bit window', () => {
    expect(() => encodeId({ timeMs: INSTAGRAM_EPOCH_MS - 1, logicalShard: 0, sequence: 0 })).toThrow(RangeError);
    expect(() => encodeId({ timeMs: INSTAGRAM_EPOCH_MS + MAX_TIME_OFFSET_MS + 1, logicalShard: 0, sequence: 0 })).toThrow(RangeError);
    expect(() => encodeId({ timeMs: Number.NaN, logicalShard: 0, sequence: 0 })).toThrow(RangeError);
  });

  it.each([-1, 8192, 1.5, Number.NaN])('rejects logical shard %s', (logicalShard) => {
    expect(() => encodeId({ timeMs: t, logicalShard, sequence: 0 })).toThrow(RangeError);
  });

  it('rejects a fractional sequence', () => {
    expect(() => encodeId({ timeMs: t, logicalShard: 0, sequence: 1.5 })).toThrow(RangeError);
  });

  it('reads the shard back with shardOfId from a bigint or its decimal string', () => {
    const id = encodeId({ timeMs: t, logicalShard: 4242, sequence: 17 });
    expect(shardOfId(id)).toBe(4242);
    expect(shardOfId(id.toString())).toBe(4242);
    expect(decodeId(id.toString())).toEqual(decodeId(id));
  });

  it('leaves only 40 time bits for a signed bigint: IDs from mid-2046 on overflow Postgres bigint', () => {
    // The 41st time bit is the sign bit of Postgres' signed bigint, so the usable window is
    // 2^40 ms (~34.8 years) after the epoch, not 2^41 ms; next_id()'s "<<" does not check
    // overflow, so the SQL side would go negative (ids.int.test.ts shows it).
    const lastFittingMs = INSTAGRAM_EPOCH_MS + 2 ** 40 - 1;
    const fits = encodeId({ timeMs: lastFittingMs, logicalShard: 8191, sequence: 1023 });
    expect(fits).toBe(INT64_MAX);
    expect(parseId(fits.toString())).toBe(fits);
    const overflows = encodeId({ timeMs: lastFittingMs + 1, logicalShard: 0, sequence: 0 });
    expect(overflows > INT64_MAX).toBe(true);
    expect(isId(overflows.toString())).toBe(false);
    expect(new Date(lastFittingMs + 1).toISOString()).toBe('2046-06-27T17:00:49.497Z');
  });
});

describe('parseId and isId', () => {
  it('accepts every positive signed 64-bit integer in plain decimal', () => {
    for (const text of ['1', '11637205501278089', '9223372036854775807']) {
      expect(parseId(text)).toBe(BigInt(text));
      expect(isId(text)).toBe(true);
    }
  });

  it.each([
    ['empty', ''],
    ['zero', '0'],
    ['negative', '-1'],
    ['leading zero', '01'],
    ['fraction', '1.5'],
    ['exponent', '1e5'],
    ['hex', '0x10'],
    ['surrounding space', ' 1'],
    ['trailing newline', '1\n'],
    ['letters', 'abc'],
    ['2^63 (one past bigint)', '9223372036854775808'],
    ['20 digits', '18446744073709551615'],
    ['a long junk string', '9'.repeat(400)],
  ])('rejects %s', (_name, text) => {
    expect(() => parseId(text)).toThrow(RangeError);
    expect(isId(text)).toBe(false);
  });

  it('keeps the error message short for huge input', () => {
    try {
      parseId('x'.repeat(10_000));
      expect.unreachable('parseId accepted junk');
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(80);
    }
  });
});

/**
 * Evaluates the arithmetic of the generated PL/pgSQL `next_id()` with the constants read out of
 * the SQL text itself (epoch, shard, shifts, modulus), as Postgres does it on bigint.
 */
function evaluateNextIdSql(sql: string, nowMillis: bigint, nextval: bigint): bigint {
  const num = (re: RegExp) => {
    const m = re.exec(sql);
    if (!m?.[1]) throw new Error(`next_id SQL does not match ${re}`);
    return BigInt(m[1]);
  };
  const ourEpoch = num(/our_epoch bigint := (\d+);/);
  const shardId = num(/shard_id int := (\d+);/);
  const modulus = num(/nextval\('[^']+'\) % (\d+)/);
  const timeShift = num(/\(now_millis - our_epoch\) << (\d+);/);
  const shardShift = num(/\(shard_id << (\d+)\)/);
  let result = (nowMillis - ourEpoch) << timeShift;
  result = result | (shardId << shardShift);
  return result | nextval % modulus;
}

describe('decoding what the SQL next_id() computes', () => {
  it.each([0, 1, 2730, 5461, 8191])('decodes shard %i, the time and the sequence from the SQL formula', (shard) => {
    const sql = nextIdFunctionSql(shard);
    expect(sql).toContain(`${schemaName(shard)}.next_id(`);
    const nowMs = Date.UTC(2011, 10, 1, 12, 0, 0, 123);
    for (const nextval of [1n, 1023n, 1024n, 1025n, 123_456_789n]) {
      const id = evaluateNextIdSql(sql, BigInt(nowMs), nextval);
      expect(decodeId(id)).toEqual({ timeMs: nowMs, logicalShard: shard, sequence: Number(nextval % 1024n) });
      expect(id).toBe(encodeId({ timeMs: nowMs, logicalShard: shard, sequence: Number(nextval) }));
    }
  });

  it('bakes a custom epoch into the SQL so the decoder with the same epoch agrees', () => {
    const epochMs = Date.UTC(2015, 0, 1);
    const sql = nextIdFunctionSql(77, epochMs);
    const id = evaluateNextIdSql(sql, BigInt(epochMs + 5_000), 3000n);
    expect(decodeId(id, epochMs)).toEqual({ timeMs: epochMs + 5_000, logicalShard: 77, sequence: 3000 % 1024 });
  });
});
