import type Dockerode from 'dockerode';
import type { Logger } from '../../lib/logger.ts';
import type { ShardEndpoint } from '../../lib/stack-endpoints.ts';
import type { Fault } from '../../scenarios/plans/fault-schema.ts';
import { killService, restartService, stopService } from './container-fault.ts';
import { waitForActiveFanOut } from './fan-out-watch.ts';
import type { FaultContext } from './fault-containers.ts';
import { addNetem, removeNetem } from './netem-fault.ts';
import { pauseService, unpauseService } from './pause-fault.ts';
import { failOverShard } from './shard-failover.ts';

/** The live stack the faults act on. */
export interface FaultTargets {
  docker: Dockerode;
  runId: string;
  /** The stack's Redis as the harness reaches it (to see fan-out jobs running). */
  redisUrl: string;
  /** Each shard's pgbouncer as the harness reaches it (its admin console, for a failover). */
  shards: readonly ShardEndpoint[];
  /** Every service of the stack with its tier (fault-targets.ts stackServices): what a tier target means. */
  services: ReadonlyArray<{ name: string; tier: string }>;
}

export interface FaultScheduleOptions {
  /** The load's t = 0 on performance.now() (the open-loop engine's onStart). */
  originMs: number;
  /** The measured window starts this long after originMs; every time below is relative to it. */
  warmupS: number;
  log: Logger;
  /** An interrupt: no fault starts or ends any more (the teardown removes what is broken). */
  signal?: AbortSignal;
}

/** What one fault did, times in seconds since the start of the measured window. */
export interface FaultOutcome {
  fault: Fault;
  services: string[];
  /** When it began to act; null when it never ran. */
  startS: number | null;
  /** When its effect ended (restarted and ready, unpaused, netem removed, failover complete); null when it did not. */
  endS: number | null;
  steps: Array<{ step: string; atS: number }>;
  error?: string;
}

export interface StartedFaults {
  /**
   * Stops the schedule: faults not yet started never will be; running actions are awaited; an
   * effect still on (a container down that the plan restarts, a pause, netem) is ended now, so the
   * audit reads a whole stack. With `abort`, nothing more is done to the containers.
   */
  finish(options?: { abort?: boolean }): Promise<FaultOutcome[]>;
}

const FAN_OUT_WAIT_MS = 10_000;

/** One scheduled fault and what ends its effect. */
interface Slot {
  outcome: FaultOutcome;
  startTimer?: NodeJS.Timeout;
  endTimer?: NodeJS.Timeout;
  /** The start action, then the end action, as they run. */
  running: Promise<void>;
  /** Set once started, while its effect lasts and has an end. */
  end?: () => Promise<void>;
  ended: boolean;
}

/**
 * Runs a plan's faults on timers aligned with the measured window (`atS` after the warm-up ends),
 * each with the module of its kind. A fault that fails is recorded with its error; the run goes
 * on. Every action is logged with the time it happened.
 *
 * @example
 * const faults = scheduleFaults(plan.faults, { docker, runId, redisUrl, shards }, { originMs, warmupS: plan.warmupS, log });
 * await load;
 * const outcomes = await faults.finish();
 */
export function scheduleFaults(faults: readonly Fault[], targets: FaultTargets, options: FaultScheduleOptions): StartedFaults {
  const ctx: FaultContext = { docker: targets.docker, runId: targets.runId };
  const windowStartMs = options.originMs + options.warmupS * 1000;
  const nowS = () => Math.round(performance.now() - windowStartMs) / 1000;
  let stopped = false;
  const slots: Slot[] = faults.map((fault) => ({ outcome: { fault, services: [], startS: null, endS: null, steps: [] }, running: Promise.resolve(), ended: false }));

  const step = (slot: Slot, name: string) => {
    const atS = nowS();
    slot.outcome.steps.push({ step: name, atS });
    options.log.info({ fault: slot.outcome.fault.kind, target: slot.outcome.fault.target, atS }, `fault ${slot.outcome.fault.kind} ${slot.outcome.fault.target}: ${name} at ${atS.toFixed(2)} s`);
  };
  const fail = (slot: Slot, err: unknown) => {
    const message = (err as Error).message ?? String(err);
    slot.outcome.error = slot.outcome.error ? `${slot.outcome.error}; ${message}` : message;
    options.log.warn({ fault: slot.outcome.fault.kind, target: slot.outcome.fault.target, err: message }, `fault ${slot.outcome.fault.kind} ${slot.outcome.fault.target} failed: ${message}`);
  };
  const runEnd = (slot: Slot) => {
    if (slot.ended || !slot.end) return;
    slot.ended = true;
    if (slot.endTimer) clearTimeout(slot.endTimer);
    const end = slot.end;
    slot.running = slot.running.then(() =>
      end().then(
        () => {
          slot.outcome.endS = nowS();
        },
        (err: unknown) => fail(slot, err),
      ),
    );
  };
  /** Arms the end of an effect `afterS` after the fault's start. */
  const endAfter = (slot: Slot, afterS: number, end: () => Promise<void>) => {
    slot.end = end;
    const dueMs = windowStartMs + ((slot.outcome.startS ?? nowS()) + afterS) * 1000 - performance.now();
    slot.endTimer = setTimeout(() => runEnd(slot), Math.max(0, dueMs));
  };

  const start = async (slot: Slot): Promise<void> => {
    const { fault } = slot.outcome;
    switch (fault.kind) {
      case 'kill':
      case 'stop': {
        slot.outcome.services = [fault.target];
        if (fault.kind === 'kill' && fault.duringFanOut) {
          const active = await waitForActiveFanOut(targets.redisUrl, FAN_OUT_WAIT_MS, options.signal);
          step(slot, active > 0 ? `fan-out jobs running: ${active}` : `no fan-out job ran within ${FAN_OUT_WAIT_MS / 1000} s; killing anyway`);
        }
        slot.outcome.startS = nowS();
        if (fault.kind === 'kill') await killService(ctx, fault.target);
        else await stopService(ctx, fault.target, fault.graceS);
        step(slot, fault.kind === 'kill' ? 'killed' : 'stopped');
        if (fault.restartAfterS !== undefined) {
          endAfter(slot, fault.restartAfterS, async () => {
            await restartService(ctx, fault.target, (milestone) => step(slot, milestone), options.signal);
          });
        }
        return;
      }
      case 'pause': {
        slot.outcome.services = [fault.target];
        slot.outcome.startS = nowS();
        await pauseService(ctx, fault.target);
        step(slot, 'paused');
        endAfter(slot, fault.durationS, async () => {
          await unpauseService(ctx, fault.target);
          step(slot, 'unpaused');
        });
        return;
      }
      case 'netem': {
        const named = targets.services.some((s) => s.name === fault.target);
        slot.outcome.services = named ? [fault.target] : targets.services.filter((s) => s.tier === fault.target).map((s) => s.name);
        if (slot.outcome.services.length === 0) throw new Error(`the stack has no ${fault.target} service`);
        slot.outcome.startS = nowS();
        await Promise.all(slot.outcome.services.map((s) => addNetem(ctx, s, fault)));
        step(slot, 'netem on');
        endAfter(slot, fault.durationS, async () => {
          await Promise.all(slot.outcome.services.map((s) => removeNetem(ctx, s)));
          step(slot, 'netem off');
        });
        return;
      }
      case 'shard-failover': {
        const index = Number(fault.target.slice('pg-'.length));
        const pgbouncer = targets.shards.find((s) => s.index === index);
        if (!pgbouncer) throw new Error(`the stack has no shard ${index}`);
        slot.outcome.services = [fault.target, `${fault.target}-replica`, `pgbouncer-${index}`];
        slot.outcome.startS = nowS();
        await failOverShard(ctx, index, pgbouncer, (name) => step(slot, name));
        slot.outcome.endS = nowS();
        return;
      }
    }
  };

  for (const slot of slots) {
    const dueMs = windowStartMs + slot.outcome.fault.atS * 1000 - performance.now();
    slot.startTimer = setTimeout(() => {
      slot.startTimer = undefined;
      if (stopped || options.signal?.aborted) return;
      slot.running = start(slot).catch((err: unknown) => fail(slot, err));
    }, Math.max(0, dueMs));
  }
  const clearTimers = () => {
    for (const slot of slots) {
      if (slot.startTimer) clearTimeout(slot.startTimer);
      if (slot.endTimer) clearTimeout(slot.endTimer);
    }
  };
  options.signal?.addEventListener('abort', clearTimers, { once: true });

  return {
    async finish({ abort = false } = {}) {
      stopped = true;
      options.signal?.removeEventListener('abort', clearTimers);
      for (const slot of slots) {
        if (slot.startTimer) {
          clearTimeout(slot.startTimer);
          slot.outcome.error ??= abort ? 'not run: interrupted' : 'not run: the load ended before its time';
        }
      }
      await Promise.all(slots.map((s) => s.running));
      if (abort || options.signal?.aborted) {
        clearTimers();
      } else {
        for (const slot of slots) {
          if (slot.end && !slot.ended) {
            step(slot, 'ended early: the load was over');
            runEnd(slot);
          }
        }
      }
      await Promise.all(slots.map((s) => s.running));
      return slots.map((s) => s.outcome);
    },
  };
}
