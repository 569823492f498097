import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { sweepLabelled } from './cleanup.ts';

describe('sweepLabelled', () => {
  it('gives up at its deadline when the Docker engine never answers, naming what to do', async () => {
    // A wedged engine: the call is accepted and never answered.
    const never = () => new Promise<never>(() => undefined);
    const docker = { listServices: never, listContainers: never, listNetworks: never, listConfigs: never, listSecrets: never } as unknown as Dockerode;
    const started = Date.now();
    await expect(sweepLabelled(docker, 'feedscale.run=abc', { timeoutMs: 200 })).rejects.toThrow(
      /did not finish removing feedscale\.run=abc in time; .*restart dockerd, then run `feedscale down`/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
