/**
 * A counting semaphore with a FIFO wait queue. zlib's asynchronous work runs on libuv's
 * thread pool (4 threads by default), shared with fs and dns: without a bound, thousands of
 * connections compressing at once would queue thousands of jobs there and starve the rest.
 */
export class ConcurrencyLimiter {
  readonly limit: number;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private head = 0; // index of the next waiter; the array is compacted when drained

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Operations running now. */
  get running(): number {
    return this.active;
  }

  /** Operations waiting for a slot. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** Runs `start` now if a slot is free, else when one is released. `start` must call `release()` exactly once. */
  acquire(start: () => void): void {
    if (this.active < this.limit) {
      this.active++;
      start();
    } else {
      this.waiting.push(start);
    }
  }

  release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined as never;
      if (this.head === this.waiting.length) {
        this.waiting.length = 0;
        this.head = 0;
      }
      next(); // the slot passes straight to the next waiter
    } else {
      this.active--;
    }
  }
}

const limiters = new Map<number, ConcurrencyLimiter>();

/** The process-wide limiter for a given limit: every connection configured alike shares one. */
export function sharedLimiter(limit: number): ConcurrencyLimiter {
  let limiter = limiters.get(limit);
  if (!limiter) limiters.set(limit, (limiter = new ConcurrencyLimiter(limit)));
  return limiter;
}
