/**
 * What an engine sends. Structurally identical to the RequestSpec of
 * scenarios/requests/request-generator.ts, so that generator plugs in without the engines
 * importing it (and a test can feed a fixed list).
 */
export type RequestSpec = {
  /** Stable label of the operation ("feed.read"); results are grouped by it. */
  endpoint: string;
  method: 'GET' | 'POST';
  /** Path and query, appended to the engine's baseUrl origin. */
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /**
   * Set on upload.start: the open-loop engine finishes the upload from the response (PUT to the
   * presigned URL, then the complete call); see open-loop-engine.ts.
   */
  followUp?: 'upload.complete';
};

/** An endless, seeded stream of requests; engines call next() once per request they build. */
export interface RequestSource {
  next(): RequestSpec;
}

/** A source that cycles through a fixed list; handy for tests and benchmarks. */
export function createCyclicSource(specs: readonly RequestSpec[]): RequestSource {
  if (specs.length === 0) throw new RangeError('specs must hold at least one request');
  let i = 0;
  return {
    next(): RequestSpec {
      const spec = specs[i % specs.length] as RequestSpec;
      i++;
      return spec;
    },
  };
}
