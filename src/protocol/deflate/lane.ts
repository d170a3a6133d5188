import type { ConcurrencyLimiter } from './limiter.js';

/** A unit of zlib work; it calls `done` once when finished (or abandoned). */
export type LaneTask = (done: () => void) => void;

/**
 * Runs one connection's operations of one direction strictly one after the other, each
 * inside a slot of the shared limiter: messages keep their order and share one zlib stream.
 */
export class SerialLane {
  private readonly limiter: ConcurrencyLimiter;
  private readonly queue: LaneTask[] = [];
  private busy = false;

  constructor(limiter: ConcurrencyLimiter) {
    this.limiter = limiter;
  }

  /** True when no task is running or waiting: an operation may run outside the lane without overtaking one. */
  get idle(): boolean {
    return !this.busy && this.queue.length === 0;
  }

  /** Number of tasks not yet started. */
  get pending(): number {
    return this.queue.length;
  }

  push(task: LaneTask): void {
    this.queue.push(task);
    if (!this.busy) this.next();
  }

  /** Drops the tasks not yet started and returns them (the running one finishes on its own). */
  clear(): LaneTask[] {
    return this.queue.splice(0);
  }

  private next(): void {
    const task = this.queue.shift();
    if (!task) return;
    this.busy = true;
    this.limiter.acquire(() => {
      let finished = false;
      task(() => {
        if (finished) return;
        finished = true;
        // Free the slot and the lane before the next task, so a callback that queues more
        // work from inside `done`'s caller sees the lane idle only after older tasks ran.
        this.limiter.release();
        this.busy = false;
        this.next();
      });
    });
  }
}
