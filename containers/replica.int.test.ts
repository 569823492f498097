import Dockerode from 'dockerode';
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_LABEL, SERVICE_LABEL } from './docker/labels.ts';
import { startOwnStack } from '../test/own-stack.ts';
import type { StartedStack } from './stack.ts';

// A stack of its own with a streaming replica per shard and feed hydration on the replicas.
const docker = new Dockerode();
let stack: StartedStack;

beforeAll(async () => {
  stack = await startOwnStack({ appInstances: 1, replicas: 1, readFromReplica: true });
});

afterAll(async () => {
  await stack?.stop();
});

async function post<T>(path: string, body: unknown, token?: string): Promise<T> {
  const res = await request(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.statusCode).toBeLessThan(300);
  return (await res.body.json()) as T;
}

describe('streaming replicas', () => {
  it('streams every write of the primary to a hot standby, and feed hydration reads from it', async () => {
    const [replica] = await docker.listContainers({ filters: { label: [`${RUN_LABEL}=${stack.runId}`, `${SERVICE_LABEL}=pg-0-replica`] } });
    expect(replica).toBeDefined();

    const user = await post<{ id: string }>('/users', { username: 'replica_reader' });
    const { token } = await post<{ token: string }>('/sessions', { username: 'replica_reader' });
    const upload = await post<{ uploadId: string; uploadUrl: string }>(`/users/${user.id}/uploads`, { contentType: 'image/jpeg' }, token);
    const put = await request(upload.uploadUrl, { method: 'PUT', body: Buffer.from([0xff, 0xd8, 0xff, 0xd9]), headers: { 'content-type': 'image/jpeg' } });
    await put.body.text();
    const { media } = await post<{ media: { id: string } }>(`/users/${user.id}/uploads/${upload.uploadId}/complete`, {}, token);

    // The replica is a hot standby (in recovery, fed by streaming replication).
    const exec = await docker.getContainer(replica!.Id).exec({
      Cmd: ['psql', '-h', '127.0.0.1', '-U', 'feedscale', '-d', 'feedscale', '-tAc', 'SELECT pg_is_in_recovery()'],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    const output = await new Promise<string>((resolve) => {
      let text = '';
      stream.on('data', (d: Buffer) => (text += d.toString('utf8')));
      stream.on('end', () => resolve(text));
    });
    expect(output).toContain('t');

    // The feed page is hydrated on the replica, so the new media being there proves the row
    // streamed over (polled: replication is asynchronous), and the app counts replica queries.
    let items: Array<{ id: string }> = [];
    for (let i = 0; i < 20 && !items.some((m) => m.id === media.id); i++) {
      const res = await request(`${stack.baseUrl}/users/${user.id}/feed`);
      items = ((await res.body.json()) as { items: Array<{ id: string }> }).items;
      if (!items.some((m) => m.id === media.id)) await new Promise((r) => setTimeout(r, 250));
    }
    expect(items.map((m) => m.id)).toContain(media.id);
    const metrics = await (await request(`${stack.appUrls[0]}/metrics`)).body.text();
    const replicaQueries = [...metrics.matchAll(/^feedscale_pg_replica_queries_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(replicaQueries).toBeGreaterThan(0);

    // And writes still go to the primary only: the standby refuses them.
    const primary = new pg.Client(stack.shards[0]!);
    await primary.connect();
    const { rows } = await primary.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    await primary.end();
    expect(rows[0]!.r).toBe(false);
  });
});
