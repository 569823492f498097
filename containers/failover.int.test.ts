import Dockerode from 'dockerode';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnStack } from '../test/own-stack.ts';
import type { StartedStack } from './stack.ts';
import { RUN_LABEL, SERVICE_LABEL } from './docker/labels.ts';

// A small stack of its own: this test stops an app instance, which the shared stack must not lose.
const docker = new Dockerode();
let stack: StartedStack;

beforeAll(async () => {
  stack = await startOwnStack({ appInstances: 2, logicalShards: 2 });
});

afterAll(async () => {
  await stack?.stop();
});

describe('nginx in front of the app tier', () => {
  it('keeps answering every request when one app instance dies (passive health check and retry on the next upstream)', async () => {
    const [victim] = await docker.listContainers({ filters: { label: [`${RUN_LABEL}=${stack.runId}`, `${SERVICE_LABEL}=app-1`] } });
    await docker.getContainer(victim!.Id).stop({ t: 0 });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await request(`${stack.baseUrl}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `failover_${i}` }),
        headersTimeout: 15_000,
      });
      statuses.push(res.statusCode);
      await res.body.text();
    }
    expect(statuses).toEqual(Array(10).fill(201));
  });

  it('leaves no container behind once stopped', async () => {
    await stack.stop();
    expect(await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${stack.runId}`] } })).toEqual([]);
  });
});
