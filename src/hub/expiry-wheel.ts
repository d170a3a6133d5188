// Deadlines for many items without a timer per item: items are kept in buckets of
// `granularityMs`, and one shared sweep collects the buckets that are due. An item is
// reported up to granularityMs late, never early.

export class ExpiryWheel<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly bucketOf = new Map<T, number>();

  constructor(private readonly granularityMs = 1000) {}

  get size(): number {
    return this.bucketOf.size;
  }

  /** Sets (or moves) the item's deadline. */
  schedule(item: T, atMs: number): void {
    this.cancel(item);
    const bucket = Math.ceil(atMs / this.granularityMs);
    let items = this.buckets.get(bucket);
    if (items === undefined) {
      items = new Set();
      this.buckets.set(bucket, items);
    }
    items.add(item);
    this.bucketOf.set(item, bucket);
  }

  cancel(item: T): void {
    const bucket = this.bucketOf.get(item);
    if (bucket === undefined) return;
    this.bucketOf.delete(item);
    const items = this.buckets.get(bucket)!;
    items.delete(item);
    if (items.size === 0) this.buckets.delete(bucket);
  }

  /** Removes and returns every item whose bucket lies entirely at or before nowMs. */
  takeDue(nowMs: number): T[] {
    const due: T[] = [];
    const last = Math.floor(nowMs / this.granularityMs);
    for (const [bucket, items] of this.buckets) {
      if (bucket > last) continue;
      this.buckets.delete(bucket);
      for (const item of items) {
        this.bucketOf.delete(item);
        due.push(item);
      }
    }
    return due;
  }
}
