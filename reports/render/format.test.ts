import { describe, expect, it } from 'vitest';
import { formatBytes, formatGiB, formatMs, formatPercent, formatQuantity, formatRatio, formatRps } from './format.ts';

describe('number formats', () => {
  it('shows milliseconds with 3, 2 or 1 decimals by magnitude', () => {
    expect([0, 0.0014, 0.4125, 0.9994, 1, 4.125, 9.994, 41.25, 4120.54].map(formatMs)).toEqual([
      '0', '0.001', '0.412', '0.999', '1.00', '4.13', '9.99', '41.3', '4120.5',
    ]);
  });

  it('shows throughput with one decimal below 100 rps and whole numbers above', () => {
    expect([0, 12.345, 99.94, 100, 1234.5].map(formatRps)).toEqual(['0.0', '12.3', '99.9', '100', '1235']);
  });

  it('shows ratios with two decimals and n/a when there is none', () => {
    expect(formatRatio(1.8449)).toBe('1.84x');
    expect(formatRatio(null)).toBe('n/a');
  });

  it('shows memory in GiB', () => {
    expect(formatGiB(16 * 1024 ** 3)).toBe('16.0 GiB');
  });

  it('shows server-side quantities with 3 significant digits and no exponent', () => {
    expect([0, 0.06834, 1.2345, 45.67, 836.4, 3332.4, -12.345].map(formatQuantity)).toEqual(['0', '0.0683', '1.23', '45.7', '836', '3332', '-12.3']);
  });

  it('shows fractions as percentages with one decimal', () => {
    expect([0, 0.736, 1].map(formatPercent)).toEqual(['0.0%', '73.6%', '100.0%']);
  });

  it('shows memory in MiB below a GiB and in GiB above', () => {
    expect(formatBytes(10_016_672)).toBe('9.55 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.00 GiB');
  });
});
