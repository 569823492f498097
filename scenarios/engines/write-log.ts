import type { RequestSpec } from './request-source.ts';

/**
 * What the open-loop engine remembers of writes and failures, for the acknowledged-writes audit
 * (runner/audit) and the fault effects (runner/faults): every write the service acknowledged with
 * the IDs that find it again, and every failed request with its times. Recording is a push of a
 * compact tuple (the response text or the request spec the engine already holds); IDs are parsed
 * once, after the run, off the latency path.
 */
export const WRITE_TYPES = ['user.create', 'follow.create', 'media.like', 'upload.complete'] as const;
export type WriteType = (typeof WRITE_TYPES)[number];

/**
 * One acknowledged write. `ids` by type:
 * - user.create: [userId]
 * - follow.create: [followerId, followeeId]
 * - media.like: [mediaId, userId]
 * - upload.complete: [mediaId, ownerId]
 */
export interface AcknowledgedWrite {
  type: WriteType;
  ids: string[];
  /** Intended start of the request (of the whole upload flow for upload.complete) and its end, seconds since the start of the measured window (negative in the warm-up). */
  startS: number;
  endS: number;
}

/** One request that ended without a good answer (or was never sent: kind "unserved"). */
export interface FailedRequest {
  endpoint: string;
  /** "status_502", "timeout", "ECONNRESET", "unserved", ... */
  kind: string;
  /** Intended start and end, seconds since the start of the measured window (negative in the warm-up). */
  startS: number;
  endS: number;
  /** The request path, which names the user or media it acted on. */
  path: string;
}

/** A run's log as plain data (it crosses from generator processes; merge: concatenate the arrays, add the counts). */
export interface WriteLogData {
  writes: AcknowledgedWrite[];
  /** 2xx writes whose IDs could not be read from the response (left out of `writes`). */
  unparsedWrites: number;
  failures: FailedRequest[];
  /** Failures beyond MAX_FAILURES_LOGGED, counted only. */
  failuresDropped: number;
}

/** The logs of several generators as one: the arrays concatenated, the counts added. */
export function mergeWriteLogs(parts: readonly WriteLogData[]): WriteLogData {
  return {
    writes: parts.flatMap((p) => p.writes),
    unparsedWrites: parts.reduce((a, p) => a + p.unparsedWrites, 0),
    failures: parts.flatMap((p) => p.failures),
    failuresDropped: parts.reduce((a, p) => a + p.failuresDropped, 0),
  };
}

/** Failures kept at most; beyond it they are only counted (a run against a dead stack fails every request). */
export const MAX_FAILURES_LOGGED = 200_000;

const NS_PER_S = 1e9;

/** Raw entry: type index, intended start ns, end ns, and the request spec or the response text. */
type RawWrite = [type: number, startNs: number, endNs: number, source: RequestSpec | string];

export class WriteLog {
  readonly #writes: RawWrite[] = [];
  readonly #failures: FailedRequest[] = [];
  readonly #originNs: number;
  #failuresDropped = 0;

  /** @param originNs the start of the measured window on the engine's clock (the end of the warm-up) */
  constructor(originNs: number) {
    this.#originNs = originNs;
  }

  /** A 2xx answer to a plain write request (follow, like): its IDs are in the request. */
  writeFromRequest(type: 'follow.create' | 'media.like', startNs: number, endNs: number, spec: RequestSpec): void {
    this.#writes.push([WRITE_TYPES.indexOf(type), startNs, endNs, spec]);
  }

  /** A 2xx answer whose IDs are in the response (user.create, upload.complete). */
  writeFromResponse(type: 'user.create' | 'upload.complete', startNs: number, endNs: number, bodyText: string): void {
    this.#writes.push([WRITE_TYPES.indexOf(type), startNs, endNs, bodyText]);
  }

  failure(endpoint: string, kind: string, startNs: number, endNs: number, path: string): void {
    if (this.#failures.length >= MAX_FAILURES_LOGGED) {
      this.#failuresDropped++;
      return;
    }
    this.#failures.push({ endpoint, kind, startS: (startNs - this.#originNs) / NS_PER_S, endS: (endNs - this.#originNs) / NS_PER_S, path });
  }

  /** The log with every write's IDs parsed (once, after the run); a 2xx whose body has no usable ID is counted, not kept. */
  toData(): WriteLogData {
    const { writes, unparsed } = this.#parseWrites();
    return { writes, unparsedWrites: unparsed, failures: this.#failures, failuresDropped: this.#failuresDropped };
  }

  #parseWrites(): { writes: AcknowledgedWrite[]; unparsed: number } {
    const out: AcknowledgedWrite[] = [];
    let unparsed = 0;
    for (const [typeIndex, startNs, endNs, source] of this.#writes) {
      const type = WRITE_TYPES[typeIndex]!;
      const ids = idsOf(type, source);
      if (!ids) {
        unparsed++;
        continue;
      }
      out.push({ type, ids, startS: (startNs - this.#originNs) / NS_PER_S, endS: (endNs - this.#originNs) / NS_PER_S });
    }
    return { writes: out, unparsed };
  }
}

const ID = /^[1-9][0-9]{0,19}$/;
const FOLLOW_PATH = /^(?:.*)\/users\/([0-9]+)\/follows$/;
const LIKE_PATH = /^(?:.*)\/media\/([0-9]+)\/likes$/;

function jsonOf(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function ids(...values: unknown[]): string[] | undefined {
  return values.every((v) => typeof v === 'string' && ID.test(v)) ? (values as string[]) : undefined;
}

/** The IDs of one acknowledged write (see AcknowledgedWrite), or undefined when they cannot be read. */
export function idsOf(type: WriteType, source: RequestSpec | string): string[] | undefined {
  switch (type) {
    case 'user.create': {
      const body = typeof source === 'string' ? jsonOf(source) : undefined;
      return ids(body?.id);
    }
    case 'upload.complete': {
      const media = typeof source === 'string' ? (jsonOf(source)?.media as Record<string, unknown> | undefined) : undefined;
      return ids(media?.id, media?.ownerId);
    }
    case 'follow.create': {
      if (typeof source === 'string') return undefined;
      const follower = FOLLOW_PATH.exec(source.path)?.[1];
      const body = typeof source.body === 'string' ? jsonOf(source.body) : undefined;
      return ids(follower, body?.followeeId);
    }
    case 'media.like': {
      if (typeof source === 'string') return undefined;
      const media = LIKE_PATH.exec(source.path)?.[1];
      const body = typeof source.body === 'string' ? jsonOf(source.body) : undefined;
      return ids(media, body?.userId);
    }
  }
}
