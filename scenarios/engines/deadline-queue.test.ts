import { describe, expect, it } from 'vitest';
import { DeadlineQueue, type Expirable } from './deadline-queue.ts';

class Item implements Expirable {
  done = false;
  expiredAt: number | undefined;
  constructor(
    readonly name: string,
    readonly deadlineNs: number,
    private readonly log: string[],
  ) {}
  expire(): void {
    this.log.push(this.name);
    this.done = true;
  }
}

describe('DeadlineQueue', () => {
  it('expires items whose deadline has passed, in order, and leaves later ones', () => {
    const log: string[] = [];
    const queue = new DeadlineQueue<Item>();
    for (const [name, deadline] of [['a', 10], ['b', 20], ['c', 30]] as const) queue.push(new Item(name, deadline, log));
    queue.sweep(5);
    expect(log).toEqual([]);
    queue.sweep(20);
    expect(log).toEqual(['a', 'b']);
    expect(queue.length).toBe(1);
    queue.sweep(100);
    expect(log).toEqual(['a', 'b', 'c']);
    expect(queue.length).toBe(0);
  });

  it('never expires an item that already ended, and drops it without waiting for its deadline', () => {
    const log: string[] = [];
    const queue = new DeadlineQueue<Item>();
    const early = new Item('early', 10, log);
    const late = new Item('late', 1_000, log);
    queue.push(early);
    queue.push(late);
    early.done = true;
    late.done = true;
    queue.sweep(20);
    expect(log).toEqual([]);
    expect(queue.length).toBe(0);
  });

  it('stays correct across compaction of a long queue', () => {
    const log: string[] = [];
    const queue = new DeadlineQueue<Item>();
    for (let i = 0; i < 10_000; i++) queue.push(new Item(String(i), i, log));
    queue.sweep(4_999);
    expect(log).toHaveLength(5_000);
    expect(queue.length).toBe(5_000);
    queue.sweep(9_999);
    expect(log.at(-1)).toBe('9999');
    expect(new Set(log).size).toBe(10_000);
  });

  it('sweeps on its own timer once started, until stopped', async () => {
    const log: string[] = [];
    const queue = new DeadlineQueue<Item>();
    const t0 = performance.now();
    const nowNs = () => (performance.now() - t0) * 1e6;
    queue.push(new Item('soon', 30e6, log));
    queue.start(5, nowNs);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(log).toEqual(['soon']);
    queue.stop();
    queue.push(new Item('after-stop', 0, log));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(log).toEqual(['soon']);
  });
});
