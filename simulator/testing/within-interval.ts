import { expect } from 'vitest';
import type { IntervalEstimate } from '../stats/confidence-interval.ts';

/**
 * Asserts that an exact value lies within a replication t-interval, widened by `slackFraction`
 * of the value for what the interval does not cover (HDR histogram resolution, 0.1%; a known
 * bias of an approximation under test).
 */
export function expectWithinInterval(estimate: IntervalEstimate | null, exact: number, slackFraction = 0.002): void {
  expect(estimate).not.toBeNull();
  const { mean, halfWidth } = estimate!;
  expect(halfWidth).not.toBeNull();
  const allowed = halfWidth! + slackFraction * Math.abs(exact);
  expect(Math.abs(mean - exact), `estimate ${mean} ± ${halfWidth} vs exact ${exact}`).toBeLessThanOrEqual(allowed);
}
