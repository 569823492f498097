/** Labels every container and network of a run carries; `feedscale down` finds leftovers by them. */
export const MANAGED_LABEL = 'feedscale.managed';
export const RUN_LABEL = 'feedscale.run';
export const SERVICE_LABEL = 'feedscale.service';
/**
 * Set on everything started while FEEDSCALE_SUITE is in the environment: the test suite's global
 * teardown sweeps every run its tests (and the CLI processes they spawn) started, whatever
 * happened to them.
 */
export const SUITE_LABEL = 'feedscale.suite';

/** The labels of everything a run creates. */
export function runLabels(runId: string): Record<string, string> {
  const suite = process.env.FEEDSCALE_SUITE;
  return { [MANAGED_LABEL]: 'true', [RUN_LABEL]: runId, ...(suite ? { [SUITE_LABEL]: suite } : {}) };
}

/** Docker name of one service's container in one run. */
export function containerName(runId: string, service: string): string {
  return `feedscale-${runId}-${service}`;
}

/** Docker name of a run's network. */
export function networkName(runId: string): string {
  return `feedscale-${runId}`;
}
