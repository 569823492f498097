import { isAscii } from 'node:buffer';
import { hotSlab } from './byte-slab.ts';
import { PipelinedConnection, type PipelinedRequest, ProtocolError } from './pipelined-connection.ts';

/** A RESP2 reply: simple or bulk string, integer, nil, or an array of replies. */
export type RedisReply = string | number | null | RedisReply[];

/** An error reply (`-ERR ...`): a command's rejection, or an element of an array reply. */
export class RedisReplyError extends Error {}

interface RedisRequest extends PipelinedRequest {
  readonly finish: (reply: RedisReply | RedisReplyError) => void;
}

const CR = 0x0d;
const PLUS = 0x2b;
const MINUS = 0x2d;
const COLON = 0x3a;
const DOLLAR = 0x24;
const STAR = 0x2a;

/**
 * A connection to Redis for the hot reads (feed lists, the media -> owner map), pipelined and
 * coalesced (pipelined-connection.ts): the commands of every request in flight go out in one
 * write per turn of the event loop, and replies are parsed here, in order.
 *
 * The service's main client, ioredis, is kept for everything else (writes, sessions, BullMQ).
 * On the feed read it cost more than the rest of the request put together once the cache
 * lookups were batched: its RESP decoder reaches every private member through a WeakMap (a
 * 21-entry LRANGE reply is ~100 lookups), and its auto-pipelining builds a Pipeline object per
 * batch (bench/app.bench.ts, bench/profile-app.ts). Errors are not retried: a failed connection
 * fails what it owed and the next command reconnects.
 *
 * @example
 * const redis = RedisConnection.fromUrl('redis://127.0.0.1:6379', { timeoutMs: 5000 });
 * await redis.lrange('feed:1', 0, 20); // ['1234', ...]
 */
export class RedisConnection extends PipelinedConnection<RedisRequest> {
  readonly #greeting: readonly (readonly string[])[];
  /** The bytes of the read being parsed and, when they are all ASCII, their text. */
  #textOf: Buffer | undefined;
  #text: string | undefined;

  constructor(server: string, options: { timeoutMs: number; username?: string; password?: string; db?: number }) {
    super('redis', server, options.timeoutMs);
    const greeting: string[][] = [];
    if (options.password) greeting.push(options.username ? ['AUTH', options.username, options.password] : ['AUTH', options.password]);
    if (options.db) greeting.push(['SELECT', String(options.db)]);
    this.#greeting = greeting;
  }

  /** From a `redis://[[user]:password@]host[:port][/db]` URL, as ioredis takes it. */
  static fromUrl(url: string, options: { timeoutMs: number }): RedisConnection {
    const parsed = new URL(url);
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    const db = Number(parsed.pathname.slice(1) || 0);
    return new RedisConnection(`${host}:${parsed.port || 6379}`, {
      timeoutMs: options.timeoutMs,
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(Number.isInteger(db) && db > 0 ? { db } : {}),
    });
  }

  /** Sends one command; an error reply rejects with RedisReplyError. */
  command(args: readonly string[]): Promise<RedisReply> {
    return new Promise((resolve, reject) => {
      this.send({ bytes: encodeCommand(args), finish: (reply) => (reply instanceof RedisReplyError ? reject(reply) : resolve(reply)), fail: reject, deadlineMs: 0 });
    });
  }

  lrange(key: string, start: number, stop: number): Promise<string[]> {
    return this.command(['LRANGE', key, String(start), String(stop)]) as Promise<string[]>;
  }

  lpos(key: string, element: string): Promise<number | null> {
    return this.command(['LPOS', key, element]) as Promise<number | null>;
  }

  mget(keys: readonly string[]): Promise<(string | null)[]> {
    return this.command(['MGET', ...keys]) as Promise<(string | null)[]>;
  }

  hget(key: string, field: string): Promise<string | null> {
    return this.command(['HGET', key, field]) as Promise<string | null>;
  }

  protected override greeting(): RedisRequest[] {
    // Their replies (+OK, or an error every later command will also get) need no answer.
    return this.#greeting.map((args) => ({ bytes: encodeCommand(args), finish: () => {}, fail: () => {}, deadlineMs: 0 }));
  }

  protected override parseAnswer(data: Buffer, offset: number): number {
    // Replies are ASCII in practice (IDs, counts): the bytes of a read are then decoded once and
    // every string is a slice of that text, rather than a decoding call per element (21 for a
    // feed page's LRANGE).
    if (data !== this.#textOf) {
      this.#textOf = data;
      this.#text = isAscii(data) ? data.toString('latin1') : undefined;
    }
    const end = parseReply(data, offset, this.#text);
    if (end < 0) return -1;
    const request = this.oldest();
    if (request === undefined) throw new ProtocolError('reply to no command in flight');
    this.completeOldest();
    request.finish(parsed);
    return end;
  }
}

function encodeCommand(args: readonly string[]): Buffer {
  let text = `*${args.length}\r\n`;
  let ascii = true;
  for (const arg of args) {
    let bytes = arg.length;
    if (ascii) for (let i = 0; i < arg.length; i++) if (arg.charCodeAt(i) > 0x7f) ascii = false;
    if (!ascii) bytes = Buffer.byteLength(arg);
    text += `$${bytes}\r\n${arg}\r\n`;
  }
  if (!ascii) return Buffer.from(text, 'utf8');
  // ASCII (every command the service sends): one byte per character, copied here rather than
  // flattened and UTF-8-encoded by a call into C++.
  const out = hotSlab.alloc(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** The value parseReply found last (a result slot: no tuple allocated per element). */
let parsed: RedisReply | RedisReplyError = null;

/**
 * Parses one reply at `offset` into `parsed`; returns the offset after it, or -1 when it has not
 * fully arrived. `text` is `data` decoded, when it is all ASCII (one character per byte).
 */
function parseReply(data: Buffer, offset: number, text: string | undefined): number {
  let lineEnd = offset + 1;
  while (lineEnd < data.length && data[lineEnd] !== CR) lineEnd++;
  if (lineEnd + 1 >= data.length) return -1;
  const next = lineEnd + 2;
  switch (data[offset]) {
    case PLUS:
      parsed = text === undefined ? data.toString('utf8', offset + 1, lineEnd) : text.slice(offset + 1, lineEnd);
      return next;
    case MINUS:
      parsed = new RedisReplyError(data.toString('utf8', offset + 1, lineEnd));
      return next;
    case COLON:
      parsed = parseInteger(data, offset + 1, lineEnd);
      return next;
    case DOLLAR: {
      const length = parseInteger(data, offset + 1, lineEnd);
      if (length < 0) {
        parsed = null;
        return next;
      }
      if (next + length + 2 > data.length) return -1;
      parsed = text === undefined ? data.toString('utf8', next, next + length) : text.slice(next, next + length);
      return next + length + 2;
    }
    case STAR: {
      const count = parseInteger(data, offset + 1, lineEnd);
      if (count < 0) {
        parsed = null;
        return next;
      }
      const items = new Array<RedisReply>(count);
      let position = next;
      for (let i = 0; i < count; i++) {
        position = parseReply(data, position, text);
        if (position < 0) return -1;
        // An error inside an array (EXEC) is kept as its message; no command here sends one.
        items[i] = parsed instanceof RedisReplyError ? parsed.message : parsed;
      }
      parsed = items;
      return position;
    }
    default:
      throw new ProtocolError(`unexpected reply type 0x${(data[offset] ?? 0).toString(16)}`);
  }
}

function parseInteger(data: Buffer, start: number, end: number): number {
  const negative = data[start] === MINUS;
  let value = 0;
  for (let i = negative ? start + 1 : start; i < end; i++) {
    const digit = (data[i] as number) - 0x30;
    if (digit < 0 || digit > 9) throw new ProtocolError('malformed integer in reply');
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}
