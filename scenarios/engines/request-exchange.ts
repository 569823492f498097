import type { Dispatcher } from 'undici';
import type { Expirable } from './deadline-queue.ts';
import type { EndpointTally } from './latency-recorder.ts';
import type { RequestSpec } from './request-source.ts';
import type { UploadFlowState } from './upload-flow.ts';

/** Which part a request plays: a plain scheduled request, or a step of the upload flow. */
export const Stage = Object.freeze({ REQUEST: 0, UPLOAD_START: 1, UPLOAD_PUT: 2, UPLOAD_COMPLETE: 3 });
export type StageValue = (typeof Stage)[keyof typeof Stage];

/** Where an exchange reports its end (the engine). */
export interface ExchangeOwner {
  nowNs(): number;
  exchangeEnded(exchange: RequestExchange, endNs: number): void;
}

/** Passed to undici's abort on a timeout; one instance, the engine never reads it back. */
const TIMEOUT_ERROR = Object.freeze(new Error('feedscale request timeout'));

/**
 * One HTTP request and its response, as an undici dispatch handler: the only object the engine
 * allocates per request besides undici's own. It uses undici's callback handler API
 * (onConnect/onHeaders/onData/onComplete/onError), which undici 7 calls directly; the newer
 * controller API wraps every request in two more objects and parses every response's headers,
 * which the engine never reads. The body is discarded unless `keepBody` (upload.start).
 *
 * It ends exactly once: on the last byte of the body, on an error, or on its deadline
 * (expire(), called by the run's DeadlineQueue), whichever comes first; later callbacks are
 * ignored.
 */
export class RequestExchange implements Dispatcher.DispatchHandler, Expirable {
  readonly owner: ExchangeOwner;
  readonly stage: StageValue;
  readonly spec: RequestSpec | undefined;
  /** Measured window only; undefined during the warm-up. */
  readonly tally: EndpointTally | undefined;
  /** Step of the stepped plan its intended start fell in, or -1. */
  readonly step: number;
  /** Latency origin of fromIntended, ns on the run's clock. */
  readonly intendedNs: number;
  readonly sendNs: number;
  readonly deadlineNs: number;
  /** The flow a PUT or complete belongs to. */
  readonly flow: UploadFlowState | undefined;
  /** Index of the scheduled slot that started this request (or its flow). */
  readonly index: number;
  status = 0;
  /** Bytes of the response body received. */
  bodyBytes = 0;
  /** Error kind when it ended without a response: 'timeout' or a socket error code. */
  failure: string | undefined = undefined;
  done = false;
  chunks: Buffer[] | undefined;
  #abort: ((err?: Error) => void) | undefined = undefined;

  constructor(
    owner: ExchangeOwner,
    stage: StageValue,
    spec: RequestSpec | undefined,
    tally: EndpointTally | undefined,
    step: number,
    intendedNs: number,
    sendNs: number,
    timeoutNs: number,
    flow: UploadFlowState | undefined,
    index: number,
    keepBody: boolean,
  ) {
    this.owner = owner;
    this.stage = stage;
    this.spec = spec;
    this.tally = tally;
    this.step = step;
    this.intendedNs = intendedNs;
    this.sendNs = sendNs;
    this.deadlineNs = sendNs + timeoutNs;
    this.flow = flow;
    this.index = index;
    this.chunks = keepBody ? [] : undefined;
  }

  onConnect(abort: (err?: Error) => void): void {
    // Expired while waiting for a connection: never send it.
    if (this.done) abort(TIMEOUT_ERROR);
    else this.#abort = abort;
  }

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bodyBytes += chunk.length;
    this.chunks?.push(chunk);
    return true;
  }

  onComplete(): void {
    if (!this.done) this.#end();
  }

  onError(err: Error): void {
    if (this.done) return;
    this.failure = errorKind(err);
    this.#end();
  }

  expire(): void {
    if (this.done) return;
    this.failure = 'timeout';
    // Books first (at the time the deadline was noticed), then free the socket.
    this.#end();
    this.#abort?.(TIMEOUT_ERROR);
  }

  bodyText(): string {
    return this.chunks ? Buffer.concat(this.chunks).toString('utf8') : '';
  }

  #end(): void {
    this.done = true;
    this.owner.exchangeEnded(this, this.owner.nowNs());
  }
}

/** Error kind for the `errors` map: the socket error code when there is one (ECONNREFUSED, UND_ERR_SOCKET...). */
export function errorKind(err: unknown): string {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    const name = (err as { name?: unknown }).name;
    if (typeof name === 'string' && name.length > 0) return name;
  }
  return 'unknown_error';
}
