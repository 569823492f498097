import { describe, expect, it } from 'vitest';
import { mergesAtRead } from './fan-out.ts';

describe('mergesAtRead', () => {
  it('fans out every account while the switch is off, as in 2011', () => {
    expect(mergesAtRead(0, null)).toBe(false);
    expect(mergesAtRead(10_000_000, null)).toBe(false);
  });

  it('merges at read only accounts with strictly more followers than the threshold', () => {
    expect(mergesAtRead(1000, 1000)).toBe(false);
    expect(mergesAtRead(1001, 1000)).toBe(true);
    expect(mergesAtRead(1, 0)).toBe(true);
    expect(mergesAtRead(0, 0)).toBe(false);
  });
});
