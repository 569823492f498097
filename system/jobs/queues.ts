import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { withTimeout } from '../data/sharded-db.ts';

/**
 * The asynchronous work of the service, on BullMQ queues in the feed Redis (Gearman and ~200
 * Python workers did feed fan-out and push notifications in 2011, docs/facts.md). Jobs are
 * plain JSON; IDs are decimal strings.
 */
export const QUEUE_NAMES = ['fan-out', 'push'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Push a new media ID to the owner's followers' feeds (or, for a big account, to its merge list). */
export interface FanOutJobData {
  ownerId: string;
  mediaId: string;
  enqueuedAtMs: number;
}

/** Tell a media's owner that someone liked it (APNs via pyapns in 2011). */
export interface PushJobData {
  toUserId: string;
  likerId: string;
  mediaId: string;
  likedAtMs: number;
  enqueuedAtMs: number;
}

export interface JobQueueStates {
  waiting: number;
  active: number;
  delayed: number;
}

export interface JobQueues {
  enqueueFanOut(data: FanOutJobData): Promise<void>;
  enqueuePush(data: PushJobData): Promise<void>;
  /** Jobs waiting, running and delayed per queue; rejects when Redis does not answer in time. */
  depth(timeoutMs: number): Promise<Record<QueueName, JobQueueStates>>;
  close(): Promise<void>;
}

export interface JobQueueOptions {
  /** Attempts per job before BullMQ leaves it failed. */
  attempts: number;
  log: { warn(obj: object, msg: string): void };
}

/** Completed jobs are dropped at once (the lag histogram keeps what matters); a few failed ones stay for inspection. */
export function jobOptions(attempts: number): JobsOptions {
  return { attempts, backoff: { type: 'exponential', delay: 100 }, removeOnComplete: true, removeOnFail: { count: 1000 } };
}

/**
 * Producers for both queues. `connection` may be the app's own ioredis client (BullMQ then
 * shares it and leaves it open on close) or connection options.
 */
export function createJobQueues(connection: ConnectionOptions, options: JobQueueOptions): JobQueues {
  const make = (name: QueueName): Queue => {
    const queue = new Queue(name, { connection, defaultJobOptions: jobOptions(options.attempts) });
    queue.on('error', (err) => options.log.warn({ err, queue: name }, 'job queue error'));
    return queue;
  };
  const queues: Record<QueueName, Queue> = { 'fan-out': make('fan-out'), push: make('push') };
  return {
    enqueueFanOut: async (data) => {
      await queues['fan-out'].add('fan-out', data);
    },
    enqueuePush: async (data) => {
      await queues.push.add('push', data);
    },
    depth: async (timeoutMs) => {
      const entries = await withTimeout(
        Promise.all(
          QUEUE_NAMES.map(async (name) => {
            const counts = await queues[name].getJobCounts('waiting', 'active', 'delayed');
            return [name, { waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0 }] as const;
          }),
        ),
        timeoutMs,
        'job queue depth',
      );
      return Object.fromEntries(entries) as Record<QueueName, JobQueueStates>;
    },
    close: async () => {
      await Promise.all(QUEUE_NAMES.map((name) => queues[name].close()));
    },
  };
}
