import { spawn } from 'node:child_process';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemcachedCache } from './cache-client.ts';
import { MemcachedConnection } from './memcached-connection.ts';

/**
 * A memcached stand-in speaking the binary protocol (GETQ, NOOP, SET, DELETE, FLUSH, VERSION), enough
 * to pin the connection's behaviour without a container. `stall` makes it read and never answer.
 */
interface FakeMemcached {
  server: string;
  store: Map<string, string>;
  /** Chunks received, per connection, in order of connection. */
  chunks: number[];
  stall: boolean;
  /** Writes every response one byte at a time. */
  drip: boolean;
  dropConnections(): void;
  close(): Promise<void>;
}

async function startFakeMemcached(port = 0): Promise<FakeMemcached> {
  const store = new Map<string, string>();
  const sockets = new Set<Socket>();
  const fake = { store, chunks: [] as number[], stall: false, drip: false } as FakeMemcached;
  let dripping = Promise.resolve();
  const respond = (socket: Socket, opcode: number, status: number, opaque: number, extras: Buffer, value: Buffer): void => {
    const header = Buffer.alloc(24);
    header[0] = 0x81;
    header[1] = opcode;
    header[4] = extras.length;
    header.writeUInt16BE(status, 6);
    header.writeUInt32BE(extras.length + value.length, 8);
    header.writeUInt32BE(opaque, 12);
    const response = Buffer.concat([header, extras, value]);
    if (!fake.drip) {
      socket.write(response);
      return;
    }
    for (const byte of response) dripping = dripping.then(() => new Promise<void>((resolve) => socket.write(Buffer.of(byte), () => setImmediate(resolve))));
  };
  const server: Server = createServer((socket) => {
    // One write per response: without this, Nagle and delayed ACKs hold every page ~40 ms.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const index = fake.chunks.push(0) - 1;
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      fake.chunks[index]!++;
      if (fake.stall) return;
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 24) {
        const bodyBytes = pending.readUInt32BE(8);
        if (pending.length < 24 + bodyBytes) break;
        const opcode = pending[1]!;
        const keyBytes = pending.readUInt16BE(2);
        const extrasBytes = pending[4]!;
        const opaque = pending.readUInt32BE(12);
        const key = pending.toString('utf8', 24 + extrasBytes, 24 + extrasBytes + keyBytes);
        const value = pending.subarray(24 + extrasBytes + keyBytes, 24 + bodyBytes);
        pending = pending.subarray(24 + bodyBytes);
        if (opcode === 0x09) {
          const found = store.get(key);
          if (found !== undefined) respond(socket, opcode, 0, opaque, Buffer.alloc(4), Buffer.from(found));
        } else if (opcode === 0x01) {
          store.set(key, value.toString('utf8'));
          respond(socket, opcode, 0, opaque, Buffer.alloc(0), Buffer.alloc(0));
        } else if (opcode === 0x04) {
          respond(socket, opcode, store.delete(key) ? 0 : 1, opaque, Buffer.alloc(0), Buffer.alloc(0));
        } else if (opcode === 0x08) {
          store.clear();
          respond(socket, opcode, 0, opaque, Buffer.alloc(0), Buffer.alloc(0));
        } else if (opcode === 0x0b) {
          respond(socket, opcode, 0, opaque, Buffer.alloc(0), Buffer.from('1.6.fake'));
        } else {
          respond(socket, opcode, 0, opaque, Buffer.alloc(0), Buffer.alloc(0));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  fake.server = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.dropConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  fake.close = () => {
    fake.dropConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return fake;
}

/** A memcached stand-in in a process of its own: answers each NOOP with a NOOP response (same opaque) and nothing else. */
const NOOP_SERVER = `
const net = require('node:net');
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 24 && pending.length >= 24 + pending.readUInt32BE(8)) {
      const end = 24 + pending.readUInt32BE(8);
      if (pending[1] === 0x0a) {
        const header = Buffer.alloc(24);
        header[0] = 0x81;
        header[1] = 0x0a;
        header.writeUInt32BE(pending.readUInt32BE(12), 12);
        socket.write(header);
      }
      pending = pending.subarray(end);
    }
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

describe('MemcachedConnection', () => {
  let fake: FakeMemcached | undefined;
  let connection: MemcachedConnection | undefined;
  afterEach(async () => {
    connection?.close();
    await fake?.close();
    fake = undefined;
    connection = undefined;
  });

  it('answers a batch of gets in key order, with null for every miss', async () => {
    fake = await startFakeMemcached();
    connection = new MemcachedConnection(fake.server, { timeoutMs: 1000 });
    await connection.set('media:1', '{"id":"1"}', 60);
    const text = (values: (Buffer | null)[]) => values.map((v) => v?.toString('utf8') ?? null);
    expect(text(await connection.getMany(['media:1', 'media:2', 'média:3', 'media:4']))).toEqual(['{"id":"1"}', null, null, null]);
    await connection.set('média:3', 'ünïcödé ✓', 60);
    expect(text(await connection.getMany(['media:1', 'media:2', 'média:3', 'media:4']))).toEqual(['{"id":"1"}', null, 'ünïcödé ✓', null]);
    expect(text(await connection.getMany([':1', ':2', ':3'], 'media'))).toEqual(['{"id":"1"}', null, null]);
    expect(text(await connection.getMany([':3'], 'média'))).toEqual(['ünïcödé ✓']);
    expect(await connection.getMany([])).toEqual([]);
    await connection.delete('media:1');
    await connection.delete('media:1');
    expect(await connection.getMany(['media:1'])).toEqual([null]);
    expect(await connection.version()).toBe('1.6.fake');
  });

  it('writes every operation issued in one turn of the event loop to the socket at once', async () => {
    fake = await startFakeMemcached();
    connection = new MemcachedConnection(fake.server, { timeoutMs: 1000 });
    await connection.version();
    for (let i = 0; i < 50; i++) fake.store.set(`k${i}`, `v${i}`);
    const pages = await Promise.all(Array.from({ length: 50 }, (_, i) => connection!.getMany([`k${i}`, `absent${i}`, `k${(i + 1) % 50}`])));
    pages.forEach((page, i) => expect(page.map((v) => v?.toString() ?? null)).toEqual([`v${i}`, null, `v${(i + 1) % 50}`]));
    // One write for the version, one for the 50 batches (a loopback write of ~5 kB arrives whole).
    expect(fake.chunks).toEqual([2]);
  });

  it('puts answers together however they are split across reads', async () => {
    fake = await startFakeMemcached();
    connection = new MemcachedConnection(fake.server, { timeoutMs: 5000 });
    fake.store.set('a', 'A'.repeat(300));
    fake.store.set('c', 'C');
    fake.drip = true;
    const [first, second] = await Promise.all([connection.getMany(['a', 'b', 'c']), connection.getMany(['c'])]);
    expect(first.map((v) => v?.toString() ?? null)).toEqual(['A'.repeat(300), null, 'C']);
    expect(String(second)).toBe('C');
  });

  it('fails what is in flight when the server does not answer in time, then reconnects', async () => {
    fake = await startFakeMemcached();
    connection = new MemcachedConnection(fake.server, { timeoutMs: 200 });
    fake.stall = true;
    await expect(connection.getMany(['a'])).rejects.toThrow(/did not answer within 200 ms/);
    fake.stall = false;
    fake.store.set('a', 'A');
    expect(String(await connection.getMany(['a']))).toBe('A');
    expect(fake.chunks.length).toBe(2);
  });

  it('does not blame the server for an answer that waited in the socket while this process was busy', async () => {
    // The server is another process, so it answers while this one is stalled: it answers every
    // NOOP (the end of a batch of quiet gets, i.e. all misses) at once.
    const server = spawn(process.execPath, ['-e', NOOP_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        server.stdout!.once('data', (line: Buffer) => resolve(Number(String(line).trim())));
        server.once('exit', (code) => reject(new Error(`noop server exited (${code})`)));
      });
      connection = new MemcachedConnection(`127.0.0.1:${port}`, { timeoutMs: 100 });
      await connection.getMany(['warm']);
      const page = connection.getMany(['a']);
      // Written at the next check phase; then a synchronous stall (a GC pause, a burst of work)
      // outlasts the deadline while the answer sits in the socket.
      await new Promise((resolve) => setImmediate(resolve));
      const until = performance.now() + 250;
      while (performance.now() < until) {
        // stalled
      }
      expect(await page).toEqual([null]);
    } finally {
      server.kill();
    }
  });

  it('fails what is in flight when the server drops the connection, and the next operation reconnects', async () => {
    fake = await startFakeMemcached();
    connection = new MemcachedConnection(fake.server, { timeoutMs: 1000 });
    await connection.version();
    fake.stall = true;
    const lost = connection.getMany(['a']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    fake.dropConnections();
    await expect(lost).rejects.toThrow(/connection closed by the server|ECONNRESET/);
    fake.stall = false;
    expect(await connection.version()).toBe('1.6.fake');
  });

  it('fails at once when nothing listens, and after close()', async () => {
    connection = new MemcachedConnection('127.0.0.1:1', { timeoutMs: 1000 });
    await expect(connection.getMany(['a'])).rejects.toThrow(/memcached 127\.0\.0\.1:1: .*ECONNREFUSED/);
    connection.close();
    await expect(connection.version()).rejects.toThrow(/connection closed/);
  });
});

describe('createMemcachedCache over two servers', () => {
  it('splits a page of keys by the ring, answers in key order and counts hits and misses per server', async () => {
    const fakes = [await startFakeMemcached(), await startFakeMemcached()];
    const cache = createMemcachedCache({ servers: fakes.map((f) => f.server), ttlS: 60, log: { warn: () => {} } });
    try {
      const ids = Array.from({ length: 20 }, (_, i) => String(1_000_000_007 * (i + 1)));
      for (const id of ids.slice(0, 15)) await cache.set(`media:${id}`, `value of ${id}`);
      const page = await cache.getManyBytes(ids, 'media:');
      expect(page.map((v) => v?.toString() ?? null)).toEqual(ids.map((id, i) => (i < 15 ? `value of ${id}` : null)));
      // Both servers hold part of the page, each key where the ring puts it.
      expect(fakes.every((f) => f.store.size > 0)).toBe(true);
      expect(await cache.get(`media:${ids[0]}`)).toBe(`value of ${ids[0]}`);
      expect(cache.stats()).toEqual({ hits: 16, misses: 5, errors: 0 });
      expect(cache.serverStats().map((s) => s.hits + s.misses).reduce((a, b) => a + b)).toBe(21);
      await cache.delete(`media:${ids[0]}`);
      expect(await cache.get(`media:${ids[0]}`)).toBeNull();
    } finally {
      cache.close();
      await Promise.all(fakes.map((f) => f.close()));
    }
  });
});

describe('createMemcachedCache when a server dies', () => {
  it('takes the dead server out of service at its first failure, serves its keys as misses without waiting, and replays the invalidations it missed once it answers', async () => {
    const fakes = [await startFakeMemcached(), await startFakeMemcached()];
    const warnings: string[] = [];
    const cache = createMemcachedCache({ servers: fakes.map((f) => f.server), ttlS: 60, log: { warn: (_, msg) => warnings.push(msg) }, retryIntervalMs: 100 });
    const ids = Array.from({ length: 20 }, (_, i) => String(1_000_000_007 * (i + 1)));
    try {
      for (const id of ids) await cache.set(`media:${id}`, `value of ${id}`);
      const [dead, alive] = fakes as [FakeMemcached, FakeMemcached];
      const onDead = ids.filter((id) => dead.store.has(`media:${id}`));
      const onAlive = ids.filter((id) => alive.store.has(`media:${id}`));
      expect(onDead.length).toBeGreaterThan(1);
      const deadPort = Number(dead.server.split(':')[1]);
      const kept = new Map(dead.store);
      await dead.close();

      // The first page finds it gone (refused): its keys are misses, the rest still hits.
      const first = await cache.getManyBytes(ids, 'media:');
      expect(first.map((v) => v !== null)).toEqual(ids.map((id) => onAlive.includes(id)));
      expect(warnings).toContain('memcached server out of service; its keys are misses until it answers again');

      // Out of service: its keys are misses at once, not written; invalidations are remembered.
      const before = cache.stats();
      const startedMs = performance.now();
      for (let i = 0; i < 20; i++) expect((await cache.getManyBytes(ids, 'media:')).filter((v) => v === null).length).toBe(onDead.length);
      await cache.set(`media:${onDead[0]}`, 'not written anywhere');
      await cache.delete(`media:${onDead[1]}`);
      expect(performance.now() - startedMs).toBeLessThan(100);
      expect(cache.stats()).toEqual({ hits: before.hits + 20 * onAlive.length, misses: before.misses + 20 * onDead.length, errors: before.errors });
      expect(alive.store.has(`media:${onDead[0]}`)).toBe(false);

      // Back on the same port with what it held (a network blip, not a restart): the missed delete is replayed first.
      const revived = await startFakeMemcached(deadPort);
      fakes[0] = revived;
      for (const [key, value] of kept) revived.store.set(key, value);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(warnings).toContain('memcached server answers again; back in service');
      expect(revived.store.has(`media:${onDead[1]}`)).toBe(false);
      expect(await cache.get(`media:${onDead[1]}`)).toBeNull();
      expect(await cache.get(`media:${onDead[0]}`)).toBe(`value of ${onDead[0]}`);
    } finally {
      cache.close();
      await Promise.all(fakes.map((f) => f.close().catch(() => {})));
    }
  });

  it('with every server out, answers lookups as misses at once and counts them', async () => {
    const cache = createMemcachedCache({ servers: ['127.0.0.1:1'], ttlS: 60, log: { warn: () => {} }, retryIntervalMs: 60_000 });
    try {
      expect(await cache.getManyBytes(['1', '2'], 'media:')).toEqual([null, null]);
      const startedMs = performance.now();
      expect(await cache.getManyBytes(['1', '2', '3'], 'media:')).toEqual([null, null, null]);
      await cache.set('media:1', 'x');
      await cache.delete('media:1');
      expect(performance.now() - startedMs).toBeLessThan(20);
      expect(cache.stats()).toEqual({ hits: 0, misses: 5, errors: 2 });
    } finally {
      cache.close();
    }
  });
});
