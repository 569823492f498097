import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisConnection, RedisReplyError } from './redis-connection.ts';

/**
 * A Redis stand-in speaking RESP2 for the commands the read connection sends (LRANGE, LPOS,
 * MGET, HGET, AUTH, SELECT), enough to pin the connection's behaviour without a container.
 * `drip` writes every reply one byte at a time; `stall` reads and never answers.
 */
interface FakeRedis {
  server: string;
  lists: Map<string, string[]>;
  strings: Map<string, string>;
  hashes: Map<string, Map<string, string>>;
  commands: string[][];
  chunks: number;
  drip: boolean;
  stall: boolean;
  close(): Promise<void>;
}

const bulk = (s: string | null | undefined): string => (s === null || s === undefined ? '$-1\r\n' : `$${Buffer.byteLength(s)}\r\n${s}\r\n`);

async function startFakeRedis(): Promise<FakeRedis> {
  const sockets = new Set<Socket>();
  const fake = { lists: new Map(), strings: new Map(), hashes: new Map(), commands: [], chunks: 0, drip: false, stall: false } as unknown as FakeRedis;
  const reply = (args: string[]): string => {
    const [name, ...rest] = args;
    switch (name) {
      case 'LRANGE': {
        const list = fake.lists.get(rest[0]!) ?? [];
        const stop = Number(rest[2]) < 0 ? list.length + Number(rest[2]) : Number(rest[2]);
        const items = list.slice(Number(rest[1]), stop + 1);
        return `*${items.length}\r\n${items.map(bulk).join('')}`;
      }
      case 'LPOS': {
        const at = (fake.lists.get(rest[0]!) ?? []).indexOf(rest[1]!);
        return at < 0 ? '$-1\r\n' : `:${at}\r\n`;
      }
      case 'MGET':
        return `*${rest.length}\r\n${rest.map((k) => bulk(fake.strings.get(k))).join('')}`;
      case 'HGET':
        return bulk(fake.hashes.get(rest[0]!)?.get(rest[1]!));
      case 'AUTH':
      case 'SELECT':
        return '+OK\r\n';
      default:
        return `-ERR unknown command '${name}'\r\n`;
    }
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let pending = '';
    socket.on('data', async (chunk: Buffer) => {
      fake.chunks++;
      if (fake.stall) return;
      pending += chunk.toString('utf8');
      let out = '';
      // Requests are arrays of bulk strings: *N\r\n($len\r\narg\r\n)*N
      for (;;) {
        const m = /^\*(\d+)\r\n/.exec(pending);
        if (!m) break;
        let at = m[0].length;
        const args: string[] = [];
        for (let i = 0; i < Number(m[1]); i++) {
          const len = /^\$(\d+)\r\n/.exec(pending.slice(at));
          if (!len) break;
          at += len[0].length;
          args.push(pending.slice(at, at + Number(len[1])));
          at += Number(len[1]) + 2;
        }
        if (args.length < Number(m[1]) || at > pending.length) break;
        pending = pending.slice(at);
        fake.commands.push(args);
        out += reply(args);
      }
      if (!fake.drip) socket.write(out);
      else for (const byte of Buffer.from(out)) await new Promise<void>((resolve) => socket.write(Buffer.of(byte), () => setImmediate(resolve)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.server = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return fake;
}

describe('RedisConnection', () => {
  let fake: FakeRedis | undefined;
  let redis: RedisConnection | undefined;
  afterEach(async () => {
    redis?.close();
    await fake?.close();
    fake = undefined;
    redis = undefined;
  });

  it('reads lists, positions, strings and hash fields, with nil for what is absent', async () => {
    fake = await startFakeRedis();
    fake.lists.set('feed:1', ['30', '20', '10']);
    fake.strings.set('a', 'ünï');
    fake.hashes.set('h', new Map([['f', 'v']]));
    redis = new RedisConnection(fake.server, { timeoutMs: 1000 });
    expect(await redis.lrange('feed:1', 0, 1)).toEqual(['30', '20']);
    expect(await redis.lrange('feed:1', 0, -1)).toEqual(['30', '20', '10']);
    expect(await redis.lrange('feed:none', 0, 20)).toEqual([]);
    expect(await redis.lpos('feed:1', '10')).toBe(2);
    expect(await redis.lpos('feed:1', '99')).toBeNull();
    expect(await redis.mget(['a', 'b'])).toEqual(['ünï', null]);
    expect(await redis.hget('h', 'f')).toBe('v');
    expect(await redis.hget('h', 'g')).toBeNull();
    await expect(redis.command(['NOPE'])).rejects.toThrow(RedisReplyError);
    // The connection is still in step after an error reply.
    expect(await redis.hget('h', 'f')).toBe('v');
  });

  it('writes the commands of one turn of the event loop at once and matches replies in order, even a byte at a time', async () => {
    fake = await startFakeRedis();
    for (let i = 0; i < 30; i++) fake.lists.set(`feed:${i}`, [`${i}`, `${i + 1}`]);
    redis = new RedisConnection(fake.server, { timeoutMs: 5000 });
    await redis.lpos('feed:0', '0');
    fake.drip = true;
    const lists = await Promise.all(Array.from({ length: 30 }, (_, i) => redis!.lrange(`feed:${i}`, 0, -1)));
    lists.forEach((list, i) => expect(list).toEqual([`${i}`, `${i + 1}`]));
    expect(fake.chunks).toBe(2);
  });

  it('authenticates and selects the database of its URL on every new connection', async () => {
    fake = await startFakeRedis();
    redis = RedisConnection.fromUrl(`redis://reader:s%40cret@${fake.server}/3`, { timeoutMs: 1000 });
    await redis.lrange('x', 0, 1);
    expect(fake.commands.slice(0, 3)).toEqual([['AUTH', 'reader', 's@cret'], ['SELECT', '3'], ['LRANGE', 'x', '0', '1']]);
  });

  it('fails what is in flight when Redis does not answer in time, then reconnects', async () => {
    fake = await startFakeRedis();
    redis = new RedisConnection(fake.server, { timeoutMs: 200 });
    fake.stall = true;
    await expect(redis.lrange('x', 0, 1)).rejects.toThrow(/redis 127\.0\.0\.1:\d+: did not answer within 200 ms/);
    fake.stall = false;
    fake.lists.set('x', ['1']);
    expect(await redis.lrange('x', 0, 1)).toEqual(['1']);
  });
});
