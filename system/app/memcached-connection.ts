import { hotSlab } from './byte-slab.ts';
import { PipelinedConnection, type PipelinedRequest, ProtocolError } from './pipelined-connection.ts';

/** Binary-protocol opcodes used here (memcached's protocol_binary.h). */
const OPCODE = Object.freeze({ set: 0x01, delete: 0x04, flush: 0x08, noop: 0x0a, version: 0x0b, getq: 0x09 });
const REQUEST_MAGIC = 0x80;
const RESPONSE_MAGIC = 0x81;
const HEADER_BYTES = 24;
const STATUS_OK = 0x0000;
const STATUS_KEY_NOT_FOUND = 0x0001;
const SET_EXTRAS_BYTES = 8;

/**
 * A request and the responses that answer it. Every request ends with exactly one response
 * whose opaque is `endOpaque` (a batch of gets ends with a NOOP; the quiet gets before it answer
 * only for hits, with opaques `endOpaque - count` ... `endOpaque - 1`).
 */
interface MemcachedRequest extends PipelinedRequest {
  readonly endOpaque: number;
  /** Quiet gets before the terminating NOOP (0 for set, delete, version). */
  readonly count: number;
  readonly values: (Buffer | null)[] | undefined;
  /** Called with the terminating response's status and value (valid during the call only). */
  readonly finish: (status: number, value: Buffer) => void;
}

/**
 * A connection to one memcached server speaking the binary protocol, pipelined and coalesced
 * (pipelined-connection.ts): a page of N keys is one request of N quiet gets and a NOOP, so
 * misses cost no response at all, and the pages of every request in flight go out in one write.
 *
 * memjs, used before, wrote every get on its own: one write syscall, one request buffer and one
 * response-buffer copy per key were most of the feed read's CPU (bench/app.bench.ts).
 *
 * @example
 * const conn = new MemcachedConnection('127.0.0.1:11211', { timeoutMs: 500 });
 * await conn.set('k', 'v', 60);
 * await conn.getMany(['k', 'absent']); // [<Buffer 76>, null]
 */
export class MemcachedConnection extends PipelinedConnection<MemcachedRequest> {
  #nextOpaque = 0;

  constructor(server: string, options: { timeoutMs: number }) {
    super('memcached', server, options.timeoutMs);
  }

  /**
   * Values of `keys` (each after `prefix`) in order, null for a miss: the bytes received, not
   * decoded, for values that are passed on as they are. One request: quiet gets and a NOOP.
   */
  getMany(keys: readonly string[], prefix = ''): Promise<(Buffer | null)[]> {
    const count = keys.length;
    // Room for any key (a UTF-16 unit is at most 3 UTF-8 bytes); what is written is measured by
    // writing it, which spares a byte-length pass over every key.
    let room = HEADER_BYTES;
    for (let i = 0; i < count; i++) room += HEADER_BYTES + 3 * (prefix.length + (keys[i] as string).length);
    const bytes = hotSlab.alloc(room);
    const first = this.#takeOpaques(count + 1);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const keyBytes = writeKey(bytes, prefix, keys[i] as string, offset + HEADER_BYTES);
      writeHeader(bytes, offset, OPCODE.getq, keyBytes, 0, keyBytes, (first + i) >>> 0);
      offset += HEADER_BYTES + keyBytes;
    }
    const endOpaque = (first + count) >>> 0;
    writeHeader(bytes, offset, OPCODE.noop, 0, 0, 0, endOpaque);
    const values = new Array<Buffer | null>(count).fill(null);
    return new Promise((resolve, reject) => {
      this.send({ bytes: bytes.subarray(0, offset + HEADER_BYTES), endOpaque, count, values, finish: () => resolve(values), fail: reject, deadlineMs: 0 });
    });
  }

  /** Stores `value` under `key` for `ttlS` seconds. */
  set(key: string, value: string, ttlS: number): Promise<void> {
    const keyBytes = Buffer.byteLength(key);
    const valueBytes = Buffer.byteLength(value);
    const bytes = Buffer.allocUnsafe(HEADER_BYTES + SET_EXTRAS_BYTES + keyBytes + valueBytes);
    const endOpaque = this.#takeOpaques(1);
    writeHeader(bytes, 0, OPCODE.set, keyBytes, SET_EXTRAS_BYTES, SET_EXTRAS_BYTES + keyBytes + valueBytes, endOpaque);
    bytes.writeUInt32BE(0, HEADER_BYTES); // flags
    bytes.writeUInt32BE(ttlS, HEADER_BYTES + 4);
    bytes.write(key, HEADER_BYTES + SET_EXTRAS_BYTES, 'utf8');
    bytes.write(value, HEADER_BYTES + SET_EXTRAS_BYTES + keyBytes, 'utf8');
    return this.#simple(bytes, endOpaque, 'set', (status) => status === STATUS_OK);
  }

  /** Removes `key`; a key that was not there is not an error. */
  delete(key: string): Promise<void> {
    const keyBytes = Buffer.byteLength(key);
    const bytes = Buffer.allocUnsafe(HEADER_BYTES + keyBytes);
    const endOpaque = this.#takeOpaques(1);
    writeHeader(bytes, 0, OPCODE.delete, keyBytes, 0, keyBytes, endOpaque);
    bytes.write(key, HEADER_BYTES, 'utf8');
    return this.#simple(bytes, endOpaque, 'delete', (status) => status === STATUS_OK || status === STATUS_KEY_NOT_FOUND);
  }

  /** Invalidates every item on the server (FLUSH). */
  flush(): Promise<void> {
    const bytes = Buffer.allocUnsafe(HEADER_BYTES);
    const endOpaque = this.#takeOpaques(1);
    writeHeader(bytes, 0, OPCODE.flush, 0, 0, 0, endOpaque);
    return this.#simple(bytes, endOpaque, 'flush', (status) => status === STATUS_OK);
  }

  /** The server's version string: proves it answers. */
  version(): Promise<string> {
    const bytes = Buffer.allocUnsafe(HEADER_BYTES);
    const endOpaque = this.#takeOpaques(1);
    writeHeader(bytes, 0, OPCODE.version, 0, 0, 0, endOpaque);
    return new Promise((resolve, reject) => {
      this.send({
        bytes,
        endOpaque,
        count: 0,
        values: undefined,
        finish: (status, value) => (status === STATUS_OK ? resolve(value.toString('utf8')) : reject(this.#statusError('version', status))),
        fail: reject,
        deadlineMs: 0,
      });
    });
  }

  protected override parseAnswer(data: Buffer, offset: number): number {
    if (data.length - offset < HEADER_BYTES) return -1;
    const end = offset + HEADER_BYTES + data.readUInt32BE(offset + 8);
    if (end > data.length) return -1;
    const request = this.oldest();
    if (data[offset] !== RESPONSE_MAGIC || request === undefined) throw new ProtocolError(`unexpected response (opcode 0x${(data[offset + 1] ?? 0).toString(16)})`);
    const status = data.readUInt16BE(offset + 6);
    const opaque = data.readUInt32BE(offset + 12);
    const valueStart = offset + HEADER_BYTES + (data[offset + 4] as number) + data.readUInt16BE(offset + 2);
    if (opaque === request.endOpaque) {
      this.completeOldest();
      request.finish(status, data.subarray(valueStart, end));
      return end;
    }
    // A quiet get's hit (or its error, which counts as a miss). Its value is copied out of the
    // read buffer into the slab (byte-slab.ts), where one copy of a whole read (tens of kB
    // under load) would be a malloc per read.
    const index = request.count - ((request.endOpaque - opaque) >>> 0);
    if (request.values === undefined || index < 0 || index >= request.count) throw new ProtocolError(`response to no request in flight (opaque ${opaque})`);
    if (status === STATUS_OK) {
      const value = hotSlab.alloc(end - valueStart);
      data.copy(value, 0, valueStart, end);
      request.values[index] = value;
    }
    return end;
  }

  #simple(bytes: Buffer, endOpaque: number, what: string, ok: (status: number) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      this.send({
        bytes,
        endOpaque,
        count: 0,
        values: undefined,
        finish: (status) => (ok(status) ? resolve() : reject(this.#statusError(what, status))),
        fail: reject,
        deadlineMs: 0,
      });
    });
  }

  #statusError(what: string, status: number): Error {
    return new Error(`${this.label}: ${what} failed with status 0x${status.toString(16).padStart(4, '0')}`);
  }

  #takeOpaques(n: number): number {
    const first = this.#nextOpaque;
    this.#nextOpaque = (first + n) >>> 0;
    return first;
  }
}

/**
 * Writes `prefix` + `key` and returns its byte length. Keys are ASCII in practice
 * (`media:<id>`): copied char by char, which beats a call into C++ per key when a page asks
 * for 20, and taking the prefix apart spares building (and flattening) 20 key strings. Any
 * other key is written as UTF-8.
 */
function writeKey(buf: Buffer, prefix: string, key: string, offset: number): number {
  let at = offset;
  for (let i = 0; i < prefix.length; i++) {
    const code = prefix.charCodeAt(i);
    if (code > 0x7f) return buf.write(prefix + key, offset, 'utf8');
    buf[at++] = code;
  }
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code > 0x7f) return buf.write(prefix + key, offset, 'utf8');
    buf[at++] = code;
  }
  return at - offset;
}

function writeHeader(buf: Buffer, offset: number, opcode: number, keyBytes: number, extrasBytes: number, bodyBytes: number, opaque: number): void {
  // Byte by byte: Buffer's writeUInt*BE calls cost several times more, 21 headers a page.
  buf[offset] = REQUEST_MAGIC;
  buf[offset + 1] = opcode;
  buf[offset + 2] = keyBytes >>> 8;
  buf[offset + 3] = keyBytes & 0xff;
  buf[offset + 4] = extrasBytes;
  buf[offset + 5] = 0; // data type
  buf[offset + 6] = 0; // vbucket
  buf[offset + 7] = 0;
  buf[offset + 8] = bodyBytes >>> 24;
  buf[offset + 9] = (bodyBytes >>> 16) & 0xff;
  buf[offset + 10] = (bodyBytes >>> 8) & 0xff;
  buf[offset + 11] = bodyBytes & 0xff;
  buf[offset + 12] = opaque >>> 24;
  buf[offset + 13] = (opaque >>> 16) & 0xff;
  buf[offset + 14] = (opaque >>> 8) & 0xff;
  buf[offset + 15] = opaque & 0xff;
  for (let i = offset + 16; i < offset + 24; i++) buf[i] = 0; // cas
}
