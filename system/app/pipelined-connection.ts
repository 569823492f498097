import { type Socket, connect } from 'node:net';
import { hotSlab } from './byte-slab.ts';

/** One request on the wire; a protocol extends it with what its responses need. */
export interface PipelinedRequest {
  /** The encoded request. */
  readonly bytes: Buffer;
  readonly fail: (err: Error) => void;
  /** performance.now() by which its answer must have come; set when it is written. */
  deadlineMs: number;
}

/** Bytes a protocol did not expect: the connection can no longer tell which answer is whose. */
export class ProtocolError extends Error {}

/**
 * The server could not be reached or stopped answering (refused, reset, closed, timed out, or a
 * protocol error that forced a reset): every request it owed fails with this. A rejection the
 * server itself sent (a status or an error reply) is not one; callers that take a server out of
 * service on failure (cache-client.ts) tell the two apart by this class.
 */
export class ConnectionFailure extends Error {
  override readonly name = 'ConnectionFailure';
}

/** A deadline timer this late found the event loop busy rather than the server slow (see #checkDeadline). */
const LATE_TIMER_MS = 50;

/** Each read lands in one reusable buffer of this size, then what arrived is copied out once. */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * A TCP connection to one server of a request/response protocol whose server answers in order
 * (memcached's binary protocol, Redis), pipelined and coalesced: requests issued while the event
 * loop is busy, by every HTTP request in flight, are written together in one write when the loop
 * reaches its check phase (setImmediate), and the answers are matched to them in order.
 *
 * Under load a backend call then costs a fraction of a socket write instead of one, and reads
 * bypass the stream machinery (`onread`: one reusable buffer per socket, parsed in place).
 * Failures are reported, not retried: the socket is dropped, every request in flight fails, and
 * the next request reconnects. A request not answered within `timeoutMs` of being written fails
 * the same way (one timer per connection, re-armed only when it fires).
 */
export abstract class PipelinedConnection<R extends PipelinedRequest> {
  /** `host:port` */
  readonly server: string;
  /** How errors name this connection, e.g. `memcached 127.0.0.1:11211`. */
  readonly label: string;
  readonly #host: string;
  readonly #port: number;
  readonly #timeoutMs: number;
  #socket: Socket | undefined;
  /** Written, waiting for their answers, oldest first. */
  #inFlight: R[] = [];
  /** Issued since the last flush, not written yet. */
  #queued: R[] = [];
  #flushScheduled = false;
  /** The start of an answer that has not fully arrived. */
  #partial: Buffer | undefined;
  #closed = false;
  /** Armed while requests are in flight; checks the oldest one's deadline. */
  #timer: NodeJS.Timeout | undefined;
  /** When #timer was due to fire (performance.now()); +Infinity while a late check is being repeated. */
  #timerDueMs = 0;

  constructor(protocol: string, server: string, timeoutMs: number) {
    const colon = server.lastIndexOf(':');
    this.server = server;
    this.label = `${protocol} ${server}`;
    this.#host = server.slice(0, colon);
    this.#port = Number(server.slice(colon + 1));
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Parses the answer starting at `offset` and applies it to {@link oldest} (completing it with
   * {@link completeOldest} when it was its last answer). Returns where the next answer starts, or
   * -1 when this one has not fully arrived; throws ProtocolError on anything unexpected. `data`
   * is only valid during the call: bytes an answer keeps must be copied.
   */
  protected abstract parseAnswer(data: Buffer, offset: number): number;

  /** Requests a new connection sends before any other (e.g. AUTH, SELECT); none by default. */
  protected greeting(): R[] {
    return [];
  }

  /** The request the next answer belongs to. */
  protected oldest(): R | undefined {
    return this.#inFlight[0];
  }

  /** Removes the oldest request once its last answer has been applied. */
  protected completeOldest(): void {
    this.#inFlight.shift();
  }

  /** Queues a request; it goes out with everything else issued in this turn of the event loop. */
  protected send(request: R): void {
    if (this.#closed) {
      request.fail(new ConnectionFailure(`${this.label}: connection closed`));
      return;
    }
    this.#queued.push(request);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Ends the connection; requests in flight or issued later fail. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.end();
    const owed = [...this.#inFlight, ...this.#queued];
    this.#inFlight = [];
    this.#queued = [];
    const err = new ConnectionFailure(`${this.label}: connection closed`);
    for (const request of owed) request.fail(err);
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    let requests = this.#queued;
    if (requests.length === 0) return;
    this.#queued = [];
    let socket = this.#socket;
    if (socket === undefined) {
      socket = this.#connect();
      requests = [...this.greeting(), ...requests];
    }
    const deadlineMs = performance.now() + this.#timeoutMs;
    for (const request of requests) {
      request.deadlineMs = deadlineMs;
      this.#inFlight.push(request);
    }
    if (this.#timer === undefined) this.#arm(this.#timeoutMs);
    // A socket that is still connecting buffers the write until it is connected.
    socket.write(requests.length === 1 ? (requests[0] as R).bytes : hotSlab.concat(requests.map((r) => r.bytes)));
  };

  #arm(delayMs: number): void {
    this.#timerDueMs = performance.now() + delayMs;
    this.#timer = setTimeout(this.#checkDeadline, delayMs).unref();
  }

  readonly #checkDeadline = (): void => {
    this.#timer = undefined;
    const oldest = this.#inFlight[0];
    if (oldest === undefined) return;
    const nowMs = performance.now();
    const leftMs = oldest.deadlineMs - nowMs;
    if (leftMs > 0) {
      this.#arm(leftMs);
      return;
    }
    // A timer that fires well after it was due means this process's event loop was busy (a GC
    // pause, a burst of work): the answer may be sitting in the socket, unread, and timers run
    // before the poll phase reads it. Look again once the next poll phase has run, rather than
    // blame the server (cache-client.ts takes a server that times out out of service).
    if (nowMs - this.#timerDueMs > LATE_TIMER_MS) {
      this.#timerDueMs = Number.POSITIVE_INFINITY;
      this.#timer = setTimeout(this.#checkDeadline, 0).unref();
      return;
    }
    this.#socket?.destroy(new Error(`did not answer within ${this.#timeoutMs} ms`));
  };

  #connect(): Socket {
    const socket: Socket = connect({
      host: this.#host,
      port: this.#port,
      noDelay: true,
      keepAlive: true,
      // One read buffer per socket, so that a dropped socket's last read cannot touch the next one's.
      onread: {
        buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
        callback: (bytes: number, buffer: Uint8Array) => {
          this.#onRead(socket, bytes, buffer);
          return true;
        },
      },
    });
    this.#socket = socket;
    this.#partial = undefined;
    socket.on('error', (err) => this.#drop(socket, new ConnectionFailure(`${this.label}: ${err.message}`, { cause: err })));
    socket.on('close', () => this.#drop(socket, new ConnectionFailure(`${this.label}: connection closed by the server`)));
    return socket;
  }

  /** Forgets a failed socket and fails what it owed; the next request reconnects. */
  #drop(socket: Socket, err: ConnectionFailure): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.#partial = undefined;
    socket.destroy();
    const owed = this.#inFlight;
    this.#inFlight = [];
    for (const request of owed) request.fail(err);
  }

  #onRead(socket: Socket, bytes: number, buffer: Uint8Array): void {
    if (this.#socket !== socket) return;
    // Parsed in place: the read buffer is reused by the next read, so parseAnswer copies what it
    // keeps, and an incomplete answer's start is copied out to wait for the rest.
    const view = Buffer.from(buffer.buffer, buffer.byteOffset, bytes);
    const data = this.#partial === undefined ? view : Buffer.concat([this.#partial, view]);
    let offset = 0;
    try {
      while (offset < data.length) {
        const next = this.parseAnswer(data, offset);
        if (next < 0) break;
        offset = next;
      }
    } catch (err) {
      this.#drop(socket, new ConnectionFailure(`${this.label}: ${(err as Error).message}; connection reset`, { cause: err }));
      return;
    }
    this.#partial = offset === data.length ? undefined : Buffer.from(data.subarray(offset));
  }
}
