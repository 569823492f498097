import type { ServiceTime } from '../model/service-time.ts';
import type { SimpleStep } from '../model/route-step.ts';
import type { SimulationModel } from '../model/simulation-model.ts';
import { TimeSampler } from './time-sampler.ts';

/** Route instructions. A class's route is a straight-line program; a branch jumps to an arm, an arm jumps past the branch. */
export const OP_VISIT = 0;
export const OP_ACQUIRE = 1;
export const OP_RELEASE = 2;
export const OP_SPAWN = 3;
export const OP_BRANCH = 4;
export const OP_JUMP = 5;
export const OP_END = 6;

/**
 * A model compiled into flat typed arrays for the DES: ids become indices, routes become
 * programs, distributions a TimeSampler. Pure data, built once per simulate() call and shared
 * by the replications (each copies the parts it mutates: rates and branch probabilities).
 */
export interface CompiledModel {
  /** Per instruction: OP_*. */
  opcode: Int32Array;
  /** Station, pool, class, branch slot or jump target, by opcode. */
  operand: Int32Array;
  /** Mean visit or spawn count. */
  count: Float64Array;
  /** Demand distribution of a visit (TimeSampler index). */
  demand: Int32Array;
  /** Delay distribution of a visit, −1 for none. */
  delay: Int32Array;
  holdsThread: Uint8Array;
  times: TimeSampler;

  classIds: string[];
  classStart: Int32Array;
  classRateRps: Float64Array;
  /** Infinity when the class has no timeout. */
  classTimeoutS: Float64Array;
  /** 0 when uncapped. */
  classMaxInFlight: Int32Array;
  classBackground: Uint8Array;

  /** Branch slots: arms of slot s are armTarget[slotArmStart[s] .. + slotArmCount[s]). */
  slotArmStart: Int32Array;
  slotArmCount: Int32Array;
  /** Cumulative arm probabilities (the initial ones). */
  armCumulative: Float64Array;
  armTarget: Int32Array;

  hostIds: string[];
  hostCores: Float64Array;
  hostSpeed: Float64Array;
  hostReplicas: Int32Array;

  stationIds: string[];
  stationHost: Int32Array;
  stationThreads: Int32Array;
  /** 1 for a processor-sharing station (no thread limit). */
  stationPs: Uint8Array;

  poolIds: string[];
  poolSize: Int32Array;
  /** Host group a pool is replicated with, −1 for one fleet-wide pool. */
  poolHost: Int32Array;

  /** Schedule in time order (ties in list order). kind 0: set rate; 1: set branch. */
  schedule: { atS: number; kind: 0 | 1; classIndex: number; rateRps: number; slot: number; cumulative: Float64Array | null }[];
  /** Whether any host has replicas > 1 (requests then carry a replica choice per host group). */
  replicated: boolean;
}

/** Compiles a validated model (load-simulation-model.ts) into a CompiledModel. */
export function compileModel(model: SimulationModel): CompiledModel {
  const hostIndex = indexOf(model.hosts);
  const stationIndex = indexOf(model.stations);
  const poolIndex = indexOf(model.pools);
  const classIndex = indexOf(model.classes);
  const times: ServiceTime[] = [];
  const program = { opcode: [] as number[], operand: [] as number[], count: [] as number[], demand: [] as number[], delay: [] as number[], holdsThread: [] as number[] };
  const emit = (opcode: number, operand: number, count = 0, demand = -1, delay = -1, holds = 0): number => {
    program.opcode.push(opcode);
    program.operand.push(operand);
    program.count.push(count);
    program.demand.push(demand);
    program.delay.push(delay);
    program.holdsThread.push(holds);
    return program.opcode.length - 1;
  };
  const time = (t: ServiceTime): number => times.push(t) - 1;
  const emitSimple = (step: SimpleStep): void => {
    switch (step.kind) {
      case 'visit':
        emit(OP_VISIT, stationIndex.get(step.stationId)!, step.count, time(step.demand), step.delay ? time(step.delay) : -1, step.delayHoldsThread ? 1 : 0);
        return;
      case 'acquire':
        emit(OP_ACQUIRE, poolIndex.get(step.poolId)!);
        return;
      case 'release':
        emit(OP_RELEASE, poolIndex.get(step.poolId)!);
        return;
      case 'spawn':
        emit(OP_SPAWN, classIndex.get(step.classId)!, step.count);
        return;
    }
  };

  const slots = { armStart: [] as number[], armCount: [] as number[], cumulative: [] as number[], target: [] as number[] };
  const slotByBranch = new Map<string, number>();
  const classStart: number[] = [];
  for (const cls of model.classes) {
    classStart.push(program.opcode.length);
    for (const step of cls.steps) {
      if (step.kind !== 'branch') {
        emitSimple(step);
        continue;
      }
      const slot = slots.armStart.length;
      slotByBranch.set(`${cls.id}\u0000${step.id}`, slot);
      slots.armStart.push(slots.target.length);
      slots.armCount.push(step.arms.length);
      emit(OP_BRANCH, slot);
      const jumps: number[] = [];
      let cumulative = 0;
      for (const arm of step.arms) {
        cumulative += arm.probability;
        slots.cumulative.push(cumulative);
        slots.target.push(program.opcode.length);
        for (const s of arm.steps) emitSimple(s);
        jumps.push(emit(OP_JUMP, -1));
      }
      for (const j of jumps) program.operand[j] = program.opcode.length;
    }
    emit(OP_END, -1);
  }

  const schedule = model.schedule
    .map((event, order) => ({ event, order }))
    .sort((a, b) => a.event.atS - b.event.atS || a.order - b.order)
    .map(({ event }) => {
      const ci = classIndex.get(event.classId)!;
      if (event.kind === 'set-rate') return { atS: event.atS, kind: 0 as const, classIndex: ci, rateRps: event.rateRps, slot: -1, cumulative: null };
      const slot = slotByBranch.get(`${event.classId}\u0000${event.branchId}`)!;
      let sum = 0;
      return { atS: event.atS, kind: 1 as const, classIndex: ci, rateRps: 0, slot, cumulative: Float64Array.from(event.probabilities, (p) => (sum += p)) };
    });

  return {
    opcode: Int32Array.from(program.opcode),
    operand: Int32Array.from(program.operand),
    count: Float64Array.from(program.count),
    demand: Int32Array.from(program.demand),
    delay: Int32Array.from(program.delay),
    holdsThread: Uint8Array.from(program.holdsThread),
    times: new TimeSampler(times),
    classIds: model.classes.map((c) => c.id),
    classStart: Int32Array.from(classStart),
    classRateRps: Float64Array.from(model.classes, (c) => c.rateRps),
    classTimeoutS: Float64Array.from(model.classes, (c) => c.timeoutS ?? Infinity),
    classMaxInFlight: Int32Array.from(model.classes, (c) => c.maxInFlight ?? 0),
    classBackground: Uint8Array.from(model.classes, (c) => (c.background ? 1 : 0)),
    slotArmStart: Int32Array.from(slots.armStart),
    slotArmCount: Int32Array.from(slots.armCount),
    armCumulative: Float64Array.from(slots.cumulative),
    armTarget: Int32Array.from(slots.target),
    hostIds: model.hosts.map((h) => h.id),
    hostCores: Float64Array.from(model.hosts, (h) => h.cores),
    hostSpeed: Float64Array.from(model.hosts, (h) => h.speedFactor),
    hostReplicas: Int32Array.from(model.hosts, (h) => h.replicas),
    stationIds: model.stations.map((s) => s.id),
    stationHost: Int32Array.from(model.stations, (s) => hostIndex.get(s.hostId)!),
    stationThreads: Int32Array.from(model.stations, (s) => s.threads),
    stationPs: Uint8Array.from(model.stations, (s) => (s.discipline === 'ps' ? 1 : 0)),
    poolIds: model.pools.map((p) => p.id),
    poolSize: Int32Array.from(model.pools, (p) => p.size),
    poolHost: Int32Array.from(model.pools, (p) => (p.hostId === undefined ? -1 : hostIndex.get(p.hostId)!)),
    schedule,
    replicated: model.hosts.some((h) => h.replicas > 1),
  };
}

function indexOf(items: readonly { id: string }[]): Map<string, number> {
  return new Map(items.map((item, i) => [item.id, i]));
}
