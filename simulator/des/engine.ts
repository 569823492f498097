import type { Histogram } from 'hdr-histogram-js';
import type { Rng } from '../../lib/random/prng.ts';
import * as ops from './compiled-model.ts';
import type { CompiledModel } from './compiled-model.ts';
import { IndexedMinHeap } from './indexed-min-heap.ts';
import { IntFifo } from './int-fifo.ts';
import { createLatencyHistogram } from './latency-histogram.ts';
import { MinHeap } from './min-heap.ts';

/**
 * The discrete-event core: one event list ordered by time and a clock (SimPy's design, without
 * its generator per process: a request is a row of typed arrays and a program counter into its
 * class's compiled route, so no object or closure is made per request or per event). Every random
 * draw comes from a stream forked by label from the replication's root (per class: arrivals,
 * route, service), so a seed gives byte-identical results and one class's draws never shift
 * another's.
 *
 * Semantics, per visit of a request to a station: wait FCFS for one of the station's threads
 * (a processor-sharing station has no limit); run its CPU demand on the host, where every job in
 * CPU service progresses at speedFactor · min(1, cores / n) with n jobs in CPU service on that
 * host (exact processor sharing, tracked in virtual time: a host's virtual time V grows at that
 * rate, a job started at V with work w finishes when V reaches V + w, so one heap per host gives
 * the next completion, and an indexed heap of hosts moves it in place as jobs come and go); then its delay, holding the thread or not; then release the thread to the
 * next waiter. Pools hand tokens to FIFO waiters. A timeout fails the request for its client (its
 * latency is recorded as exactly the timeout: censored) while its work goes on; it is settled when
 * the request completes or the run ends, and needs an event only to free a capped class's
 * in-flight slot on time. A generator arrival that would exceed the class's in-flight cap is
 * unserved. Spawned children start at once and are not waited for. Events at equal times run in
 * heap order, which is fixed for a seed.
 */

// Module-local copies: an imported binding may compile to a getter call in the hot loop.
const OP_VISIT = ops.OP_VISIT;
const OP_ACQUIRE = ops.OP_ACQUIRE;
const OP_RELEASE = ops.OP_RELEASE;
const OP_SPAWN = ops.OP_SPAWN;
const OP_BRANCH = ops.OP_BRANCH;
const OP_JUMP = ops.OP_JUMP;
const OP_END = ops.OP_END;

const EV_ARRIVAL = 0;
const EV_DELAY = 2;
const EV_TIMEOUT = 3;
const EV_SCHEDULE = 4;
const EV_WARMUP = 5;
const EV_END = 6;
const EV_BITS = 3;
const EV_MASK = 7;

const FLAG_MEASURED = 1;
const FLAG_CLIENT_DONE = 2;
const FLAG_IN_FLIGHT = 4;
const FLAG_LIVE = 8;

const PHASE_HOLD = 1;
const PHASE_FREE = 2;

/** Work (in reference CPU-seconds) within which jobs count as finished together. */
const WORK_EPSILON = 1e-12;
const MICROS_PER_S = 1e6;

export interface EngineOptions {
  durationS: number;
  warmupS: number;
  /** Simulated time after durationS to let measured requests finish (arrivals go on meanwhile). */
  drainS: number;
  /** Root stream of this replication; every purpose forks its own labelled stream from it. */
  rng: Rng;
}

export interface ClassTally {
  classId: string;
  background: boolean;
  /** Generator arrivals (and spawned jobs) in the measurement window, served or not. */
  arrivals: number;
  completed: number;
  failed: number;
  unserved: number;
  /** Measured requests neither completed nor timed out when the run stopped. */
  incomplete: number;
  /** Microseconds, completed requests plus failed ones censored at their timeout. */
  histogram: Histogram;
  latencySumS: number;
  maxS: number;
}

export interface StationTally {
  stationId: string;
  /** ∫ busy threads dt over the window, summed over replicas. */
  busyThreadSeconds: number;
  /** ∫ jobs waiting for a thread dt, summed over replicas. */
  queueSeconds: number;
  /** CPU work done in the window, core-seconds, summed over replicas. */
  cpuSeconds: number;
}

export interface HostTally {
  hostId: string;
  /** ∫ min(n, cores) dt, summed over replicas. */
  busyCoreSeconds: number;
}

export interface PoolTally {
  poolId: string;
  inUseSeconds: number;
  queueSeconds: number;
  waitSumS: number;
  acquisitions: number;
}

export interface ReplicationTally {
  windowS: number;
  events: number;
  /** Simulated time the run stopped at. */
  endS: number;
  classes: ClassTally[];
  stations: StationTally[];
  hosts: HostTally[];
  pools: PoolTally[];
}

/** Runs one replication of a compiled model; pure apart from its own state. */
export function runReplication(model: CompiledModel, options: EngineOptions): ReplicationTally {
  return new Engine(model, options).run();
}

class Engine {
  private now = 0;
  private events = new MinHeap(1024);
  private eventCount = 0;
  private measuring: boolean;
  private ended = false;
  private measuredOutstanding = 0;
  /** Time integrals frozen at the end of the measurement window. */
  private snapshot: { stationBusy: Float64Array; stationQueue: Float64Array; hostCores: Float64Array; poolInUse: Float64Array; poolQueue: Float64Array } | null = null;

  // Jobs (struct of arrays).
  private capacity = 0;
  private jobClass = new Int32Array(0);
  private jobPc = new Int32Array(0);
  private jobRemaining = new Int32Array(0);
  private jobStation = new Int32Array(0);
  private jobPhase = new Int32Array(0);
  private jobGen = new Int32Array(0);
  private jobFlags = new Uint8Array(0);
  private jobArrival = new Float64Array(0);
  private jobWork = new Float64Array(0);
  private jobWaitStart = new Float64Array(0);
  private jobReplica = new Int32Array(0);
  private freeJobs = new Int32Array(0);
  private freeCount = 0;
  private nextJob = 0;
  private ready = new IntFifo(64);

  // Classes.
  private readonly classRate: Float64Array;
  private readonly classArrivalGen: Int32Array;
  private readonly classInFlight: Int32Array;
  private readonly arrivalRng: Rng[];
  private readonly routeRng: Rng[];
  private readonly serviceRng: Rng[];
  private readonly armCumulative: Float64Array;

  // Host instances.
  private readonly groups: number;
  private readonly hostBase: Int32Array;
  private readonly hostCores: Float64Array;
  private readonly hostSpeed: Float64Array;
  private readonly hostV: Float64Array;
  private readonly hostLast: Float64Array;
  private readonly hostN: Int32Array;
  /** Each busy host's next CPU completion time, changed in place (no stale events). */
  private readonly hostNext: IndexedMinHeap;
  private readonly hostHeaps: MinHeap[];
  private readonly hostCoreArea: Float64Array;
  private readonly dirtyHosts: Int32Array;
  private readonly hostDirty: Uint8Array;
  private dirtyCount = 0;
  private completedBuffer = new Int32Array(64);

  // Station instances.
  private readonly stationBase: Int32Array;
  private readonly stationOfInstance: Int32Array;
  /** Host instance of each station instance. */
  private readonly stationHostInstance: Int32Array;
  private readonly stationBusy: Int32Array;
  private readonly stationLast: Float64Array;
  private readonly stationBusyArea: Float64Array;
  private readonly stationQueueArea: Float64Array;
  private readonly stationCpu: Float64Array;
  private readonly stationQueues: IntFifo[];

  // Pool instances.
  private readonly poolBase: Int32Array;
  private readonly poolInUse: Int32Array;
  private readonly poolLast: Float64Array;
  private readonly poolInUseArea: Float64Array;
  private readonly poolQueueArea: Float64Array;
  private readonly poolWaitSum: Float64Array;
  private readonly poolAcquisitions: Float64Array;
  private readonly poolQueues: IntFifo[];

  private readonly tallies: ClassTally[];

  constructor(
    private readonly m: CompiledModel,
    private readonly options: EngineOptions,
  ) {
    const classes = m.classIds.length;
    this.classRate = Float64Array.from(m.classRateRps);
    this.classArrivalGen = new Int32Array(classes);
    this.classInFlight = new Int32Array(classes);
    this.arrivalRng = m.classIds.map((id) => options.rng.fork(`class/${id}/arrivals`));
    this.routeRng = m.classIds.map((id) => options.rng.fork(`class/${id}/route`));
    this.serviceRng = m.classIds.map((id) => options.rng.fork(`class/${id}/service`));
    this.armCumulative = Float64Array.from(m.armCumulative);
    this.measuring = options.warmupS <= 0;

    this.groups = m.hostIds.length;
    this.hostBase = prefixSums(m.hostReplicas);
    const hostInstances = this.hostBase[this.groups]!;
    const hostOfInstance = new Int32Array(hostInstances);
    for (let g = 0; g < this.groups; g++) for (let r = 0; r < m.hostReplicas[g]!; r++) hostOfInstance[this.hostBase[g]! + r] = g;
    this.hostCores = Float64Array.from(hostOfInstance, (g) => m.hostCores[g]!);
    this.hostSpeed = Float64Array.from(hostOfInstance, (g) => m.hostSpeed[g]!);
    this.hostV = new Float64Array(hostInstances);
    this.hostLast = new Float64Array(hostInstances);
    this.hostN = new Int32Array(hostInstances);
    this.hostNext = new IndexedMinHeap(hostInstances);
    this.hostHeaps = Array.from({ length: hostInstances }, () => new MinHeap(16));
    this.hostCoreArea = new Float64Array(hostInstances);
    this.dirtyHosts = new Int32Array(hostInstances);
    this.hostDirty = new Uint8Array(hostInstances);

    this.stationBase = prefixSums(Int32Array.from(m.stationHost, (g) => m.hostReplicas[g]!));
    const stationInstances = this.stationBase[m.stationIds.length]!;
    this.stationOfInstance = new Int32Array(stationInstances);
    for (let k = 0; k < m.stationIds.length; k++) for (let i = this.stationBase[k]!; i < this.stationBase[k + 1]!; i++) this.stationOfInstance[i] = k;
    this.stationHostInstance = Int32Array.from(this.stationOfInstance, (k, i) => this.hostBase[m.stationHost[k]!]! + (i - this.stationBase[k]!));
    this.stationBusy = new Int32Array(stationInstances);
    this.stationLast = new Float64Array(stationInstances);
    this.stationBusyArea = new Float64Array(stationInstances);
    this.stationQueueArea = new Float64Array(stationInstances);
    this.stationCpu = new Float64Array(stationInstances);
    this.stationQueues = Array.from({ length: stationInstances }, () => new IntFifo(16));

    this.poolBase = prefixSums(Int32Array.from(m.poolHost, (g) => (g < 0 ? 1 : m.hostReplicas[g]!)));
    const poolInstances = this.poolBase[m.poolIds.length]!;
    this.poolInUse = new Int32Array(poolInstances);
    this.poolLast = new Float64Array(poolInstances);
    this.poolInUseArea = new Float64Array(poolInstances);
    this.poolQueueArea = new Float64Array(poolInstances);
    this.poolWaitSum = new Float64Array(poolInstances);
    this.poolAcquisitions = new Float64Array(poolInstances);
    this.poolQueues = Array.from({ length: poolInstances }, () => new IntFifo(16));

    this.tallies = m.classIds.map((classId, c) => ({
      classId,
      background: m.classBackground[c] === 1,
      arrivals: 0,
      completed: 0,
      failed: 0,
      unserved: 0,
      incomplete: 0,
      histogram: createLatencyHistogram(),
      latencySumS: 0,
      maxS: 0,
    }));
    this.growJobs(1024);
  }

  run(): ReplicationTally {
    const { durationS, warmupS, drainS } = this.options;
    for (let c = 0; c < this.classRate.length; c++) this.scheduleArrival(c);
    this.m.schedule.forEach((event, i) => this.events.push(event.atS, (i << EV_BITS) | EV_SCHEDULE, 0));
    if (warmupS > 0) this.events.push(warmupS, EV_WARMUP, 0);
    this.events.push(durationS, EV_END, 0);
    const stopS = durationS + drainS;
    const events = this.events;
    const hostNext = this.hostNext;
    for (;;) {
      if (this.ended && this.measuredOutstanding === 0) break;
      const hostT = hostNext.peekKey();
      const eventT = events.size > 0 ? events.peekKey() : Infinity;
      const t = hostT <= eventT ? hostT : eventT;
      if (t === Infinity) break;
      if (t > stopS) {
        this.now = stopS;
        break;
      }
      this.now = t;
      this.eventCount++;
      if (hostT <= eventT) {
        this.completeCpu(hostNext.peekId());
        this.settle();
        continue;
      }
      const code = events.peekValue();
      const aux = events.peekAux();
      events.pop();
      const index = code >> EV_BITS;
      switch (code & EV_MASK) {
        case EV_ARRIVAL:
          if (aux === this.classArrivalGen[index]) this.arrive(index);
          break;
        case EV_DELAY:
          this.endDelay(index);
          break;
        case EV_TIMEOUT:
          if (aux === this.jobGen[index]) this.timeOut(index);
          break;
        case EV_SCHEDULE:
          this.applySchedule(index);
          break;
        case EV_WARMUP:
          this.startMeasuring();
          break;
        case EV_END:
          this.stopMeasuring();
          break;
      }
      this.settle();
    }
    if (!this.ended) this.stopMeasuring();
    return this.tally();
  }

  /** After an event: run the jobs it released, then move the next completion of every host it touched. */
  private settle(): void {
    while (this.ready.size > 0) this.advance(this.ready.shift());
    for (let i = 0; i < this.dirtyCount; i++) this.rescheduleHost(this.dirtyHosts[i]!);
    this.dirtyCount = 0;
  }

  // ---- arrivals and jobs ----

  private scheduleArrival(c: number): void {
    const rate = this.classRate[c]!;
    if (rate <= 0) return;
    const gap = -Math.log(1 - this.arrivalRng[c]!.nextFloat()) / rate;
    this.events.push(this.now + gap, (c << EV_BITS) | EV_ARRIVAL, this.classArrivalGen[c]!);
  }

  private arrive(c: number): void {
    this.scheduleArrival(c);
    const measured = this.isMeasured(c);
    if (measured) this.tallies[c]!.arrivals++;
    const cap = this.m.classMaxInFlight[c]!;
    if (cap > 0 && this.classInFlight[c]! >= cap) {
      if (measured) this.tallies[c]!.unserved++;
      return;
    }
    this.classInFlight[c]!++;
    this.advance(this.createJob(c, measured, FLAG_IN_FLIGHT));
  }

  private isMeasured(c: number): boolean {
    return this.measuring && !this.ended && this.m.classBackground[c] === 0;
  }

  private createJob(c: number, measured: boolean, flags: number): number {
    let j: number;
    if (this.freeCount > 0) j = this.freeJobs[--this.freeCount]!;
    else {
      if (this.nextJob === this.capacity) this.growJobs(this.capacity * 2);
      j = this.nextJob++;
    }
    this.jobClass[j] = c;
    this.jobPc[j] = this.m.classStart[c]!;
    this.jobRemaining[j] = 0;
    this.jobArrival[j] = this.now;
    this.jobFlags[j] = flags | FLAG_LIVE | (measured ? FLAG_MEASURED : 0);
    if (this.m.replicated) this.jobReplica.fill(-1, j * this.groups, (j + 1) * this.groups);
    if (measured) this.measuredOutstanding++;
    // A timeout only needs an event when it frees an in-flight slot at that moment; otherwise it is
    // settled when the request completes (or at the end of the run): same counts, one event fewer.
    const timeoutS = this.m.classTimeoutS[c]!;
    if (timeoutS !== Infinity && (flags & FLAG_IN_FLIGHT) !== 0 && this.m.classMaxInFlight[c]! > 0) {
      this.events.push(this.now + timeoutS, (j << EV_BITS) | EV_TIMEOUT, this.jobGen[j]!);
    }
    return j;
  }

  private finishJob(j: number): void {
    const flags = this.jobFlags[j]!;
    const c = this.jobClass[j]!;
    if ((flags & FLAG_CLIENT_DONE) === 0) {
      if (flags & FLAG_IN_FLIGHT) this.classInFlight[c]!--;
      if (flags & FLAG_MEASURED) {
        const tally = this.tallies[c]!;
        const latencyS = this.now - this.jobArrival[j]!;
        const timeoutS = this.m.classTimeoutS[c]!;
        if (latencyS > timeoutS) {
          tally.failed++;
          this.record(tally, timeoutS);
        } else {
          tally.completed++;
          this.record(tally, latencyS);
        }
        this.measuredOutstanding--;
      }
    }
    this.jobFlags[j] = 0;
    this.jobGen[j]!++;
    this.freeJobs[this.freeCount++] = j;
  }

  private timeOut(j: number): void {
    const flags = this.jobFlags[j]!;
    if (flags & FLAG_CLIENT_DONE) return;
    this.jobFlags[j] = flags | FLAG_CLIENT_DONE;
    const c = this.jobClass[j]!;
    if (flags & FLAG_IN_FLIGHT) this.classInFlight[c]!--;
    if (flags & FLAG_MEASURED) {
      const tally = this.tallies[c]!;
      tally.failed++;
      this.record(tally, this.m.classTimeoutS[c]!);
      this.measuredOutstanding--;
    }
  }

  private record(tally: ClassTally, latencyS: number): void {
    tally.histogram.recordValue(Math.max(1, Math.round(latencyS * MICROS_PER_S)));
    tally.latencySumS += latencyS;
    if (latencyS > tally.maxS) tally.maxS = latencyS;
  }

  // ---- the route interpreter ----

  /** Runs a job's route from its program counter until it has to wait for something. */
  private advance(j: number): void {
    const m = this.m;
    for (;;) {
      const pc = this.jobPc[j]!;
      switch (m.opcode[pc]) {
        case OP_VISIT: {
          if (this.jobRemaining[j] === 0) {
            const visits = this.drawCount(j, m.count[pc]!);
            if (visits === 0) {
              this.jobPc[j] = pc + 1;
              continue;
            }
            this.jobRemaining[j] = visits;
          }
          this.enterStation(j, m.operand[pc]!);
          return;
        }
        case OP_ACQUIRE: {
          const p = this.poolInstance(j, m.operand[pc]!);
          this.flushPool(p);
          if (this.poolInUse[p]! < m.poolSize[m.operand[pc]!]!) {
            this.poolInUse[p]!++;
            if (this.measuring && !this.ended) this.poolAcquisitions[p]!++;
            this.jobPc[j] = pc + 1;
            continue;
          }
          this.jobWaitStart[j] = this.now;
          this.poolQueues[p]!.push(j);
          return;
        }
        case OP_RELEASE: {
          const p = this.poolInstance(j, m.operand[pc]!);
          this.flushPool(p);
          const queue = this.poolQueues[p]!;
          if (queue.size > 0) {
            const waiter = queue.shift();
            if (this.measuring && !this.ended) {
              this.poolAcquisitions[p]!++;
              this.poolWaitSum[p]! += this.now - this.jobWaitStart[waiter]!;
            }
            this.jobPc[waiter]!++;
            this.ready.push(waiter);
          } else {
            this.poolInUse[p]!--;
          }
          this.jobPc[j] = pc + 1;
          continue;
        }
        case OP_SPAWN: {
          const children = this.drawCount(j, m.count[pc]!);
          const child = m.operand[pc]!;
          const measured = this.isMeasured(child);
          for (let i = 0; i < children; i++) {
            if (measured) this.tallies[child]!.arrivals++;
            this.ready.push(this.createJob(child, measured, 0));
          }
          this.jobPc[j] = pc + 1;
          continue;
        }
        case OP_BRANCH: {
          const slot = m.operand[pc]!;
          const start = m.slotArmStart[slot]!;
          const last = start + m.slotArmCount[slot]! - 1;
          const u = this.routeRng[this.jobClass[j]!]!.nextFloat();
          let arm = start;
          while (arm < last && this.armCumulative[arm]! <= u) arm++;
          this.jobPc[j] = m.armTarget[arm]!;
          continue;
        }
        case OP_JUMP:
          this.jobPc[j] = m.operand[pc]!;
          continue;
        case OP_END:
          this.finishJob(j);
          return;
        default:
          throw new Error(`unknown opcode ${m.opcode[pc]} at ${pc}`);
      }
    }
  }

  /** Stochastic rounding of a mean count: floor + Bernoulli(fraction). */
  private drawCount(j: number, mean: number): number {
    const whole = Math.floor(mean);
    const fraction = mean - whole;
    if (fraction === 0) return whole;
    return this.routeRng[this.jobClass[j]!]!.nextFloat() < fraction ? whole + 1 : whole;
  }

  /** The replica of host group g this job uses: drawn uniformly at its first step there, then kept. */
  private replicaOf(j: number, g: number): number {
    if (!this.m.replicated) return 0;
    const slot = j * this.groups + g;
    let r = this.jobReplica[slot]!;
    if (r < 0) {
      r = this.routeRng[this.jobClass[j]!]!.nextInt(this.m.hostReplicas[g]!);
      this.jobReplica[slot] = r;
    }
    return r;
  }

  private poolInstance(j: number, pool: number): number {
    const g = this.m.poolHost[pool]!;
    return this.poolBase[pool]! + (g < 0 ? 0 : this.replicaOf(j, g));
  }

  // ---- stations and hosts ----

  private enterStation(j: number, station: number): void {
    const instance = this.stationBase[station]! + this.replicaOf(j, this.m.stationHost[station]!);
    this.jobStation[j] = instance;
    this.flushStation(instance);
    if (this.m.stationPs[station] === 1 || this.stationBusy[instance]! < this.m.stationThreads[station]!) {
      this.stationBusy[instance]!++;
      this.startCpu(j, instance);
    } else {
      this.stationQueues[instance]!.push(j);
    }
  }

  private startCpu(j: number, instance: number): void {
    const c = this.jobClass[j]!;
    const work = this.m.times.sample(this.m.demand[this.jobPc[j]!]!, this.serviceRng[c]!);
    this.jobWork[j] = work;
    if (work <= 0) {
      this.afterCpu(j);
      return;
    }
    const host = this.stationHostInstance[instance]!;
    this.advanceHost(host);
    this.hostHeaps[host]!.push(this.hostV[host]! + work, j);
    this.hostN[host]!++;
    this.markDirty(host);
  }

  /** Brings a host's virtual time up to now at the rate of its current population. */
  private advanceHost(host: number): void {
    const dt = this.now - this.hostLast[host]!;
    if (dt <= 0) return;
    const n = this.hostN[host]!;
    if (n > 0) {
      const cores = this.hostCores[host]!;
      this.hostV[host]! += dt * this.hostSpeed[host]! * (n > cores ? cores / n : 1);
      this.hostCoreArea[host]! += dt * (n > cores ? cores : n);
    }
    this.hostLast[host] = this.now;
  }

  private markDirty(host: number): void {
    if (this.hostDirty[host]) return;
    this.hostDirty[host] = 1;
    this.dirtyHosts[this.dirtyCount++] = host;
  }

  private rescheduleHost(host: number): void {
    this.hostDirty[host] = 0;
    const n = this.hostN[host]!;
    if (n === 0) {
      this.hostNext.remove(host);
      return;
    }
    const cores = this.hostCores[host]!;
    const rate = this.hostSpeed[host]! * (n > cores ? cores / n : 1);
    const remaining = this.hostHeaps[host]!.peekKey() - this.hostV[host]!;
    this.hostNext.set(host, this.now + Math.max(0, remaining) / rate);
  }

  /** The host's next completion is due: finish every job whose work is done (at least the first). */
  private completeCpu(host: number): void {
    this.advanceHost(host);
    const heap = this.hostHeaps[host]!;
    let done = 0;
    const first = heap.peekKey();
    if (first > this.hostV[host]!) this.hostV[host] = first;
    const limit = this.hostV[host]! + WORK_EPSILON;
    while (heap.size > 0 && heap.peekKey() <= limit) {
      if (done === this.completedBuffer.length) this.completedBuffer = growInt32(this.completedBuffer);
      this.completedBuffer[done++] = heap.peekValue();
      heap.pop();
    }
    this.hostN[host]! -= done;
    this.markDirty(host);
    const inWindow = this.measuring && !this.ended;
    const speed = this.hostSpeed[host]!;
    for (let i = 0; i < done; i++) {
      const j = this.completedBuffer[i]!;
      if (inWindow) this.stationCpu[this.jobStation[j]!]! += this.jobWork[j]! / speed;
      this.afterCpu(j);
    }
  }

  private afterCpu(j: number): void {
    const pc = this.jobPc[j]!;
    const delay = this.m.delay[pc]!;
    if (delay >= 0) {
      const d = this.m.times.sample(delay, this.serviceRng[this.jobClass[j]!]!);
      if (this.m.holdsThread[pc] === 1) {
        this.jobPhase[j] = PHASE_HOLD;
      } else {
        this.releaseThread(this.jobStation[j]!);
        this.jobPhase[j] = PHASE_FREE;
      }
      this.events.push(this.now + d, (j << EV_BITS) | EV_DELAY, 0);
      return;
    }
    this.releaseThread(this.jobStation[j]!);
    this.visitDone(j);
  }

  private endDelay(j: number): void {
    if (this.jobPhase[j] === PHASE_HOLD) this.releaseThread(this.jobStation[j]!);
    this.jobPhase[j] = 0;
    this.visitDone(j);
  }

  private releaseThread(instance: number): void {
    this.flushStation(instance);
    const queue = this.stationQueues[instance]!;
    if (queue.size > 0 && this.m.stationPs[this.stationOfInstance[instance]!] === 0) {
      this.startCpu(queue.shift(), instance);
    } else {
      this.stationBusy[instance]!--;
    }
  }

  private visitDone(j: number): void {
    if (--this.jobRemaining[j]! === 0) this.jobPc[j]!++;
    this.ready.push(j);
  }

  // ---- schedule and measurement window ----

  private applySchedule(index: number): void {
    const event = this.m.schedule[index]!;
    if (event.kind === 0) {
      this.classRate[event.classIndex] = event.rateRps;
      this.classArrivalGen[event.classIndex]!++;
      this.scheduleArrival(event.classIndex);
    } else {
      this.armCumulative.set(event.cumulative!, this.m.slotArmStart[event.slot]!);
    }
  }

  private startMeasuring(): void {
    this.flushAll();
    this.stationBusyArea.fill(0);
    this.stationQueueArea.fill(0);
    this.hostCoreArea.fill(0);
    this.poolInUseArea.fill(0);
    this.poolQueueArea.fill(0);
    this.measuring = true;
  }

  private stopMeasuring(): void {
    this.flushAll();
    this.ended = true;
    this.snapshot = {
      stationBusy: Float64Array.from(this.stationBusyArea),
      stationQueue: Float64Array.from(this.stationQueueArea),
      hostCores: Float64Array.from(this.hostCoreArea),
      poolInUse: Float64Array.from(this.poolInUseArea),
      poolQueue: Float64Array.from(this.poolQueueArea),
    };
  }

  private flushAll(): void {
    for (let i = 0; i < this.stationBusy.length; i++) this.flushStation(i);
    for (let h = 0; h < this.hostV.length; h++) this.advanceHost(h);
    for (let p = 0; p < this.poolInUse.length; p++) this.flushPool(p);
  }

  private flushStation(instance: number): void {
    const dt = this.now - this.stationLast[instance]!;
    if (dt <= 0) return;
    this.stationBusyArea[instance]! += dt * this.stationBusy[instance]!;
    this.stationQueueArea[instance]! += dt * this.stationQueues[instance]!.size;
    this.stationLast[instance] = this.now;
  }

  private flushPool(instance: number): void {
    const dt = this.now - this.poolLast[instance]!;
    if (dt <= 0) return;
    this.poolInUseArea[instance]! += dt * this.poolInUse[instance]!;
    this.poolQueueArea[instance]! += dt * this.poolQueues[instance]!.size;
    this.poolLast[instance] = this.now;
  }

  private tally(): ReplicationTally {
    const snap = this.snapshot!;
    const m = this.m;
    const sumRange = (values: Float64Array, from: number, to: number): number => {
      let s = 0;
      for (let i = from; i < to; i++) s += values[i]!;
      return s;
    };
    for (const tally of this.tallies) tally.incomplete = 0;
    for (let j = 0; j < this.nextJob; j++) {
      if ((this.jobFlags[j]! & (FLAG_LIVE | FLAG_MEASURED | FLAG_CLIENT_DONE)) !== (FLAG_LIVE | FLAG_MEASURED)) continue;
      const c = this.jobClass[j]!;
      const tally = this.tallies[c]!;
      const timeoutS = this.m.classTimeoutS[c]!;
      if (this.now - this.jobArrival[j]! >= timeoutS) {
        tally.failed++;
        this.record(tally, timeoutS);
      } else {
        tally.incomplete++;
      }
    }
    return {
      windowS: this.options.durationS - this.options.warmupS,
      events: this.eventCount,
      endS: this.now,
      classes: this.tallies,
      stations: m.stationIds.map((stationId, k) => ({
        stationId,
        busyThreadSeconds: sumRange(snap.stationBusy, this.stationBase[k]!, this.stationBase[k + 1]!),
        queueSeconds: sumRange(snap.stationQueue, this.stationBase[k]!, this.stationBase[k + 1]!),
        cpuSeconds: sumRange(this.stationCpu, this.stationBase[k]!, this.stationBase[k + 1]!),
      })),
      hosts: m.hostIds.map((hostId, g) => ({ hostId, busyCoreSeconds: sumRange(snap.hostCores, this.hostBase[g]!, this.hostBase[g + 1]!) })),
      pools: m.poolIds.map((poolId, p) => ({
        poolId,
        inUseSeconds: sumRange(snap.poolInUse, this.poolBase[p]!, this.poolBase[p + 1]!),
        queueSeconds: sumRange(snap.poolQueue, this.poolBase[p]!, this.poolBase[p + 1]!),
        waitSumS: sumRange(this.poolWaitSum, this.poolBase[p]!, this.poolBase[p + 1]!),
        acquisitions: sumRange(this.poolAcquisitions, this.poolBase[p]!, this.poolBase[p + 1]!),
      })),
    };
  }

  private growJobs(capacity: number): void {
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(old: T, make: (n: number) => T, per = 1): T => {
      const next = make(capacity * per);
      next.set(old);
      return next;
    };
    this.jobClass = grow(this.jobClass, (n) => new Int32Array(n));
    this.jobPc = grow(this.jobPc, (n) => new Int32Array(n));
    this.jobRemaining = grow(this.jobRemaining, (n) => new Int32Array(n));
    this.jobStation = grow(this.jobStation, (n) => new Int32Array(n));
    this.jobPhase = grow(this.jobPhase, (n) => new Int32Array(n));
    this.jobGen = grow(this.jobGen, (n) => new Int32Array(n));
    this.jobFlags = grow(this.jobFlags, (n) => new Uint8Array(n));
    this.jobArrival = grow(this.jobArrival, (n) => new Float64Array(n));
    this.jobWork = grow(this.jobWork, (n) => new Float64Array(n));
    this.jobWaitStart = grow(this.jobWaitStart, (n) => new Float64Array(n));
    this.jobReplica = grow(this.jobReplica, (n) => new Int32Array(n), this.groups);
    this.freeJobs = grow(this.freeJobs, (n) => new Int32Array(n));
    this.capacity = capacity;
  }
}

function prefixSums(values: Int32Array): Int32Array {
  const out = new Int32Array(values.length + 1);
  for (let i = 0; i < values.length; i++) out[i + 1] = out[i]! + values[i]!;
  return out;
}

function growInt32(values: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const next = new Int32Array(values.length * 2);
  next.set(values);
  return next;
}
