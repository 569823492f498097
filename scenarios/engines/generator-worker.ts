import { hostname } from 'node:os';
import { isFeedscaleError } from '../../lib/errors.ts';
import { createRequestGenerator } from '../requests/request-generator.ts';
import type { GeneratorJob, ParentMessage, SourceRecipe, WorkerMessage } from './generator-pool.ts';
import { runOpenLoop } from './open-loop-engine.ts';
import { createCyclicSource, type RequestSource } from './request-source.ts';

/**
 * One load generator of a pool (generator-pool.ts), in a child process of its own: its own
 * event loop, heap and CPU, measured by its own health probe (process CPU is this generator's).
 * It builds the request stream from its recipe, says it is ready, waits for the common start,
 * runs its partition of the schedule and sends its EngineRun back.
 */
// A parent that went away cannot be told anything: sending then would only raise here.
const send = (message: WorkerMessage) => {
  if (process.connected) process.send?.(message);
};
/** The last message, then let go of the parent once it is written, so that this process can end. */
const sendLast = (message: WorkerMessage) => {
  if (process.connected) process.send?.(message, undefined, {}, () => process.connected && process.disconnect?.());
};

function sourceOf(recipe: SourceRecipe): RequestSource {
  return recipe.kind === 'requests' ? createRequestGenerator(recipe.options) : createCyclicSource(recipe.specs);
}

let job: GeneratorJob | undefined;
let source: RequestSource | undefined;
const abort = new AbortController();

async function start(startAtNs: bigint): Promise<void> {
  if (!job || !source) throw new Error('start before job');
  // The common start on this process's performance.now() clock: hrtime is CLOCK_MONOTONIC,
  // shared by every process of the machine; performance.now() has a per-process origin.
  const startAtMs = performance.now() + Number(startAtNs - process.hrtime.bigint()) / 1e6;
  const waitMs = startAtMs - performance.now() - 1;
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  const startLagMs = Math.max(0, performance.now() - startAtMs);
  const { options } = job;
  const run = await runOpenLoop({
    ...options,
    source,
    partition: job.partition,
    startAtMs,
    signal: abort.signal,
    ...(job.progress ? { onProgress: (snapshot) => send({ type: 'progress', snapshot }) } : {}),
  });
  sendLast({ type: 'done', run, startLagMs });
}

function fail(err: unknown): void {
  const code = isFeedscaleError(err) ? err.code : undefined;
  sendLast({ type: 'error', message: (err as Error)?.message ?? String(err), ...(code ? { code } : {}) });
}

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'job':
      try {
        job = message.job;
        source = sourceOf(job.source);
        send({ type: 'ready', pid: process.pid, host: hostname() });
      } catch (err) {
        fail(err);
      }
      return;
    case 'start':
      start(message.startAtNs).catch(fail);
      return;
    case 'abort':
      abort.abort();
      return;
  }
});
// The parent went away: stop sending load at once.
process.on('disconnect', () => abort.abort());
