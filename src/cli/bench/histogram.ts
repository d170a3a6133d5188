// A latency histogram with log-spaced buckets (32 per power of two, about 3% wide) over
// microseconds. Workers record into one each and ship the non-empty buckets; the parent
// merges them, so percentiles cover every sample without shipping the samples.

/** Values are clamped to this (about 71 minutes), which keeps the bucket maths in 32 bits. */
const MAX_MICROS = 0xffff_ffff;
/** Linear sub-buckets per power of two: the resolution. */
const SUB_BUCKETS = 32;
const SUB_BITS = 5;
const BUCKET_COUNT = (32 - SUB_BITS + 1) * SUB_BUCKETS;

/** What crosses the IPC channel: non-empty buckets as [index, count] pairs, plus exact extremes. */
export interface HistogramSnapshot {
  buckets: Array<[number, number]>;
  count: number;
  sumMicros: number;
  minMicros: number;
  maxMicros: number;
}

function bucketOf(micros: number): number {
  const v = Math.min(MAX_MICROS, Math.max(0, Math.round(micros))) >>> 0;
  if (v < 2 * SUB_BUCKETS) return v;
  const shift = 31 - Math.clz32(v) - SUB_BITS;
  return (shift + 1) * SUB_BUCKETS + ((v >>> shift) - SUB_BUCKETS);
}

/** The middle of a bucket's range, in microseconds. */
function bucketMiddle(index: number): number {
  if (index < 2 * SUB_BUCKETS) return index;
  const shift = Math.floor(index / SUB_BUCKETS) - 1;
  const low = ((index % SUB_BUCKETS) + SUB_BUCKETS) * 2 ** shift;
  return low + 2 ** shift / 2;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKET_COUNT);
  private count = 0;
  private sum = 0;
  private min = Infinity;
  private max = 0;

  recordMs(ms: number): void {
    const micros = Math.max(0, ms * 1000);
    this.counts[bucketOf(micros)]! += 1;
    this.count += 1;
    this.sum += micros;
    if (micros < this.min) this.min = micros;
    if (micros > this.max) this.max = micros;
  }

  snapshot(): HistogramSnapshot {
    const buckets: Array<[number, number]> = [];
    for (let i = 0; i < BUCKET_COUNT; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return { buckets, count: this.count, sumMicros: this.sum, minMicros: this.count ? this.min : 0, maxMicros: this.max };
  }

  merge(other: HistogramSnapshot): void {
    for (const [index, n] of other.buckets) if (index >= 0 && index < BUCKET_COUNT) this.counts[index]! += n;
    if (other.count === 0) return;
    this.count += other.count;
    this.sum += other.sumMicros;
    this.min = Math.min(this.min, other.minMicros);
    this.max = Math.max(this.max, other.maxMicros);
  }

  get samples(): number {
    return this.count;
  }

  /** The value below which the fraction `q` of samples lie, in milliseconds (0 without samples). */
  quantileMs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i]!;
      // A bucket's middle can lie outside what was seen: keep the answer within [min, max].
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, bucketMiddle(i))) / 1000;
    }
    return this.max / 1000;
  }

  meanMs(): number {
    return this.count === 0 ? 0 : this.sum / this.count / 1000;
  }

  maxMs(): number {
    return this.max / 1000;
  }
}
