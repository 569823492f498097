import { type Socket, connect } from 'node:net';

/** Binary-protocol opcodes used here (memcached's protocol_binary.h). */
const OPCODE = Object.freeze({ set: 0x01, delete: 0x04, noop: 0x0a, version: 0x0b, getq: 0x09 });
const REQUEST_MAGIC = 0x80;
const RESPONSE_MAGIC = 0x81;
const HEADER_BYTES = 24;
const STATUS_OK = 0x0000;
const STATUS_KEY_NOT_FOUND = 0x0001;
const SET_EXTRAS_BYTES = 8;

/**
 * One operation on the wire: its encoded request and the responses that answer it. Every
 * operation ends with exactly one response whose opaque is `endOpaque` (a get batch ends with a
 * NOOP; the quiet gets before it answer only for hits, with opaques `endOpaque - count` ...).
 */
interface Operation {
  readonly request: Buffer;
  readonly endOpaque: number;
  /** Quiet gets before the terminating NOOP (0 for set, delete, version). */
  readonly count: number;
  readonly values: (string | null)[] | undefined;
  /** Called with the terminating response's status and value. */
  readonly finish: (status: number, value: string) => void;
  readonly fail: (err: Error) => void;
  /** performance.now() by which its answer must have come; set when it is written. */
  deadlineMs: number;
}

/**
 * A connection to one memcached server speaking the binary protocol, pipelined and coalesced:
 * operations issued while the event loop is busy (by every request in flight) are written to
 * the socket together, in one write, when the loop reaches its check phase (setImmediate), and
 * memcached answers them in order on the one connection. A page of N keys is one request of N
 * quiet gets and a NOOP, so misses cost no response at all.
 *
 * Under load that makes a cache lookup cost a fraction of a socket write instead of one per key
 * (memjs, used before, wrote every get on its own: one write syscall per key was most of the
 * feed read's CPU; bench/app.bench.ts). Failures are reported, not retried: the socket is
 * dropped, every operation in flight fails, and the next operation reconnects. An operation
 * not answered within `timeoutMs` of being written fails the same way (one timer per
 * connection, re-armed only when it fires, as memjs did).
 *
 * @example
 * const conn = new MemcachedConnection('127.0.0.1:11211', { timeoutMs: 500 });
 * await conn.set('k', 'v', 60);
 * await conn.getMany(['k', 'absent']); // ['v', null]
 */
export class MemcachedConnection {
  readonly server: string;
  readonly #host: string;
  readonly #port: number;
  readonly #timeoutMs: number;
  #socket: Socket | undefined;
  /** Written, waiting for their responses, oldest first. */
  #inFlight: Operation[] = [];
  /** Issued since the last flush, not written yet. */
  #queued: Operation[] = [];
  #flushScheduled = false;
  /** The start of a response that has not fully arrived. */
  #partial: Buffer | undefined;
  #nextOpaque = 0;
  #closed = false;
  /** Armed while operations are in flight; checks the oldest one's deadline. */
  #timer: NodeJS.Timeout | undefined;

  constructor(server: string, options: { timeoutMs: number }) {
    const colon = server.lastIndexOf(':');
    this.server = server;
    this.#host = server.slice(0, colon);
    this.#port = Number(server.slice(colon + 1));
    this.#timeoutMs = options.timeoutMs;
  }

  /** Values of `keys` in order; null for a miss. One request (quiet gets and a NOOP). */
  getMany(keys: readonly string[]): Promise<(string | null)[]> {
    const count = keys.length;
    let bytes = HEADER_BYTES;
    const keyBytes = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      keyBytes[i] = Buffer.byteLength(keys[i]!);
      bytes += HEADER_BYTES + keyBytes[i]!;
    }
    const request = Buffer.allocUnsafe(bytes);
    const first = this.#takeOpaques(count + 1);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      writeHeader(request, offset, OPCODE.getq, keyBytes[i]!, 0, keyBytes[i]!, (first + i) >>> 0);
      request.write(keys[i]!, offset + HEADER_BYTES, 'utf8');
      offset += HEADER_BYTES + keyBytes[i]!;
    }
    const endOpaque = (first + count) >>> 0;
    writeHeader(request, offset, OPCODE.noop, 0, 0, 0, endOpaque);
    const values = new Array<string | null>(count).fill(null);
    return new Promise((resolve, reject) => {
      this.#send({ request, endOpaque, count, values, finish: () => resolve(values), fail: reject, deadlineMs: 0 });
    });
  }

  /** Stores `value` under `key` for `ttlS` seconds. */
  set(key: string, value: string, ttlS: number): Promise<void> {
    const keyBytes = Buffer.byteLength(key);
    const valueBytes = Buffer.byteLength(value);
    const request = Buffer.allocUnsafe(HEADER_BYTES + SET_EXTRAS_BYTES + keyBytes + valueBytes);
    const endOpaque = this.#takeOpaques(1);
    writeHeader(request, 0, OPCODE.set, keyBytes, SET_EXTRAS_BYTES, SET_EXTRAS_BYTES + keyBytes + valueBytes, endOpaque);
    request.writeUInt32BE(0, HEADER_BYTES); // flags
    request.writeUInt32BE(ttlS, HEADER_BYTES + 4);
    request.write(key, HEADER_BYTES + SET_EXTRAS_BYTES, 'utf8');
    request.write(value, HEADER_BYTES + SET_EXTRAS_BYTES + keyBytes, 'utf8');
    return this.#simple(request, endOpaque, 'set', (status) => status === STATUS_OK);
  }

  /** Removes `key`; a key that was not there is not an error. */
  delete(key: string): Promise<void> {
    const keyBytes = Buffer.byteLength(key);
    const request = Buffer.allocUnsafe(HEADER_BYTES + keyBytes);
    const endOpaque = this.#takeOpaques(1);
    writeHeader(request, 0, OPCODE.delete, keyBytes, 0, keyBytes, endOpaque);
    request.write(key, HEADER_BYTES, 'utf8');
    return this.#simple(request, endOpaque, 'delete', (status) => status === STATUS_OK || status === STATUS_KEY_NOT_FOUND);
  }

  /** The server's version string: proves it answers. */
  version(): Promise<string> {
    const request = Buffer.allocUnsafe(HEADER_BYTES);
    const endOpaque = this.#takeOpaques(1);
    writeHeader(request, 0, OPCODE.version, 0, 0, 0, endOpaque);
    return new Promise((resolve, reject) => {
      this.#send({
        request,
        endOpaque,
        count: 0,
        values: undefined,
        finish: (status, value) => (status === STATUS_OK ? resolve(value) : reject(this.#statusError('version', status))),
        fail: reject,
        deadlineMs: 0,
      });
    });
  }

  /** Ends the connection; operations in flight or issued later fail. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.end();
    this.#failAll(new Error(`memcached ${this.server}: connection closed`));
  }

  #simple(request: Buffer, endOpaque: number, what: string, ok: (status: number) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#send({
        request,
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
    return new Error(`memcached ${this.server}: ${what} failed with status 0x${status.toString(16).padStart(4, '0')}`);
  }

  #takeOpaques(n: number): number {
    const first = this.#nextOpaque;
    this.#nextOpaque = (first + n) >>> 0;
    return first;
  }

  #send(op: Operation): void {
    if (this.#closed) {
      op.fail(new Error(`memcached ${this.server}: connection closed`));
      return;
    }
    this.#queued.push(op);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    const ops = this.#queued;
    if (ops.length === 0) return;
    this.#queued = [];
    const socket = this.#socket ?? this.#connect();
    const deadlineMs = performance.now() + this.#timeoutMs;
    for (const op of ops) {
      op.deadlineMs = deadlineMs;
      this.#inFlight.push(op);
    }
    if (this.#timer === undefined) this.#timer = setTimeout(this.#checkDeadline, this.#timeoutMs).unref();
    // A socket that is still connecting buffers the write until it is connected.
    socket.write(ops.length === 1 ? ops[0]!.request : Buffer.concat(ops.map((op) => op.request)));
  };

  readonly #checkDeadline = (): void => {
    this.#timer = undefined;
    const oldest = this.#inFlight[0];
    if (oldest === undefined) return;
    const leftMs = oldest.deadlineMs - performance.now();
    if (leftMs <= 0) {
      this.#socket?.destroy(new Error(`did not answer within ${this.#timeoutMs} ms`));
      return;
    }
    this.#timer = setTimeout(this.#checkDeadline, leftMs).unref();
  };

  #connect(): Socket {
    const socket = connect({ host: this.#host, port: this.#port, noDelay: true, keepAlive: true });
    this.#socket = socket;
    this.#partial = undefined;
    socket.on('data', (chunk: Buffer) => this.#onData(socket, chunk));
    socket.on('error', (err) => this.#drop(socket, new Error(`memcached ${this.server}: ${err.message}`, { cause: err })));
    socket.on('close', () => this.#drop(socket, new Error(`memcached ${this.server}: connection closed by the server`)));
    return socket;
  }

  /** Forgets a failed socket and fails what it owed; the next operation reconnects. */
  #drop(socket: Socket, err: Error): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#partial = undefined;
    socket.destroy();
    const owed = this.#inFlight;
    this.#inFlight = [];
    for (const op of owed) op.fail(err);
  }

  #failAll(err: Error): void {
    const owed = [...this.#inFlight, ...this.#queued];
    this.#inFlight = [];
    this.#queued = [];
    for (const op of owed) op.fail(err);
  }

  #onData(socket: Socket, chunk: Buffer): void {
    if (this.#socket !== socket) return;
    const data = this.#partial === undefined ? chunk : Buffer.concat([this.#partial, chunk]);
    let offset = 0;
    while (data.length - offset >= HEADER_BYTES) {
      const end = offset + HEADER_BYTES + data.readUInt32BE(offset + 8);
      if (end > data.length) break;
      if (data[offset] !== RESPONSE_MAGIC || !this.#onResponse(data, offset, end)) {
        this.#drop(socket, new Error(`memcached ${this.server}: unexpected response (opcode 0x${(data[offset + 1] ?? 0).toString(16)}); connection reset`));
        return;
      }
      offset = end;
    }
    this.#partial = offset === data.length ? undefined : data.subarray(offset);
  }

  /** Applies one response to the oldest operation in flight; false when it belongs to none. */
  #onResponse(data: Buffer, offset: number, end: number): boolean {
    const op = this.#inFlight[0];
    if (op === undefined) return false;
    const status = data.readUInt16BE(offset + 6);
    const opaque = data.readUInt32BE(offset + 12);
    const valueStart = offset + HEADER_BYTES + data[offset + 4]! + data.readUInt16BE(offset + 2);
    if (opaque === op.endOpaque) {
      this.#inFlight.shift();
      op.finish(status, data.toString('utf8', valueStart, end));
      return true;
    }
    // A quiet get's hit (or its error, which counts as a miss).
    const index = op.count - ((op.endOpaque - opaque) >>> 0);
    if (op.values === undefined || index < 0 || index >= op.count) return false;
    if (status === STATUS_OK) op.values[index] = data.toString('utf8', valueStart, end);
    return true;
  }
}

function writeHeader(buf: Buffer, offset: number, opcode: number, keyBytes: number, extrasBytes: number, bodyBytes: number, opaque: number): void {
  buf[offset] = REQUEST_MAGIC;
  buf[offset + 1] = opcode;
  buf.writeUInt16BE(keyBytes, offset + 2);
  buf[offset + 4] = extrasBytes;
  buf[offset + 5] = 0; // data type
  buf.writeUInt16BE(0, offset + 6); // vbucket
  buf.writeUInt32BE(bodyBytes, offset + 8);
  buf.writeUInt32BE(opaque, offset + 12);
  buf.writeUInt32BE(0, offset + 16); // cas
  buf.writeUInt32BE(0, offset + 20);
}
