// Counts wrong admin passwords per remote address: after `maxFailures` within `windowMs`
// the address is refused (429) until its window ends. The table is bounded: when it is
// full of live entries, every address is refused until one ends, so a flood from many
// addresses costs memory up to the bound and buys no extra guesses.

/** Addresses tracked at most. */
export const MAX_TRACKED_ADDRESSES = 10_000;

export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until this address may try again; 0 when it may try now. */
  retryAfter(address: string): number {
    const now = this.now();
    const entry = this.failures.get(address);
    if (entry !== undefined && entry.resetAt <= now) this.failures.delete(address);
    else if (entry !== undefined && entry.count >= this.maxFailures) return Math.ceil((entry.resetAt - now) / 1_000);
    if (entry === undefined && this.failures.size >= MAX_TRACKED_ADDRESSES) {
      this.prune(now);
      if (this.failures.size >= MAX_TRACKED_ADDRESSES) return Math.ceil(this.windowMs / 1_000);
    }
    return 0;
  }

  fail(address: string): void {
    const now = this.now();
    const entry = this.failures.get(address);
    if (entry === undefined || entry.resetAt <= now) {
      if (this.failures.size >= MAX_TRACKED_ADDRESSES) this.prune(now);
      if (this.failures.size < MAX_TRACKED_ADDRESSES) this.failures.set(address, { count: 1, resetAt: now + this.windowMs });
    } else {
      entry.count += 1;
    }
  }

  /** A right password clears the address's count. */
  succeed(address: string): void {
    this.failures.delete(address);
  }

  get size(): number {
    return this.failures.size;
  }

  private prune(now: number): void {
    for (const [address, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(address);
  }
}
