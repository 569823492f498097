import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemcachedConnection } from './memcached-connection.ts';

/**
 * A memcached stand-in speaking the binary protocol (GETQ, NOOP, SET, DELETE, VERSION), enough
 * to pin the connection's behaviour without a container. `stall` makes it read and never answer.
 */
interface FakeMemcached {
  server: string;
  store: Map<string, string>;
  /** Chunks received, per connection, in order of connection. */
  chunks: number[];
  stall: boolean;
  dropConnections(): void;
  close(): Promise<void>;
}

async function startFakeMemcached(): Promise<FakeMemcached> {
  const store = new Map<string, string>();
  const sockets = new Set<Socket>();
  const fake = { store, chunks: [] as number[], stall: false } as FakeMemcached;
  const respond = (socket: Socket, opcode: number, status: number, opaque: number, extras: Buffer, value: Buffer): void => {
    const header = Buffer.alloc(24);
    header[0] = 0x81;
    header[1] = opcode;
    header[4] = extras.length;
    header.writeUInt16BE(status, 6);
    header.writeUInt32BE(extras.length + value.length, 8);
    header.writeUInt32BE(opaque, 12);
    socket.write(Buffer.concat([header, extras, value]));
  };
  const server: Server = createServer((socket) => {
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
        } else if (opcode === 0x0b) {
          respond(socket, opcode, 0, opaque, Buffer.alloc(0), Buffer.from('1.6.fake'));
        } else {
          respond(socket, opcode, 0, opaque, Buffer.alloc(0), Buffer.alloc(0));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
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
    await connection.set('media:3', 'ünïcödé ✓', 60);
    expect(await connection.getMany(['media:1', 'media:2', 'media:3', 'media:4'])).toEqual(['{"id":"1"}', null, 'ünïcödé ✓', null]);
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
    pages.forEach((page, i) => expect(page).toEqual([`v${i}`, null, `v${(i + 1) % 50}`]));
    // One write for the version, one for the 50 batches (a loopback write of ~5 kB arrives whole).
    expect(fake.chunks).toEqual([2]);
  });

  it('fails what is in flight when the server does not answer in time, then reconnects', async () => {
    fake = await startFakeMemcached();
    connection = new MemcachedConnection(fake.server, { timeoutMs: 200 });
    fake.stall = true;
    await expect(connection.getMany(['a'])).rejects.toThrow(/did not answer within 200 ms/);
    fake.stall = false;
    fake.store.set('a', 'A');
    expect(await connection.getMany(['a'])).toEqual(['A']);
    expect(fake.chunks.length).toBe(2);
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
