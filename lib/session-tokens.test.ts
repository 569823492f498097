import { describe, expect, it } from 'vitest';
import { sessionTokenFor } from './session-tokens.ts';

describe('sessionTokenFor', () => {
  it('gives 32 lowercase hex digits, the same for the same seed and user', () => {
    const token = sessionTokenFor(2011, 1234567890123n);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(sessionTokenFor(2011, '1234567890123')).toBe(token);
  });

  it('gives a different token per user and per seed, with no collision over 50,000 users', () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 50_000; i++) tokens.add(sessionTokenFor(7, 1_000_000_000_000n + BigInt(i)));
    expect(tokens.size).toBe(50_000);
    expect(sessionTokenFor(8, 1_000_000_000_000n)).not.toBe(sessionTokenFor(7, 1_000_000_000_000n));
  });

  it('uses every hex digit about evenly (no stuck bits)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const c of sessionTokenFor(1, String(i + 1))) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(16);
    for (const n of counts.values()) expect(n / (2000 * 32)).toBeGreaterThan(0.055);
  });
});
