// What a worker measures: counters, the latency histogram, and samples of what went wrong.
// Counting only happens inside the measured window (between start and stop), so connection
// set-up, the warm-up and the final drain do not distort the rates. The load itself runs
// through the warm-up and the window: `running` tells the scenarios to keep it going.

import { LatencyHistogram } from './histogram.js';
import { emptyCounters, type Counters, type ErrorSamples } from './ipc.js';
import { nowMs } from './payload.js';

/** Distinct error messages kept for the report; later ones are only counted. */
const MAX_ERROR_KINDS = 5;

export class Recorder {
  readonly counters: Counters = emptyCounters();
  readonly histogram = new LatencyHistogram();
  private readonly errorKinds = new Map<string, number>();
  private windowStart = 0;
  private windowEnd = 0;
  private state: 'setup' | 'warmup' | 'measuring' | 'stopped' = 'setup';
  private cpuAtStart: NodeJS.CpuUsage | null = null;
  private cpuInWindow: NodeJS.CpuUsage | null = null;

  /** The load goes on (warming up or measuring). */
  get running(): boolean {
    return this.state === 'warmup' || this.state === 'measuring';
  }

  /** Inside the measured window: what completes now is counted. */
  get measuring(): boolean {
    return this.state === 'measuring';
  }

  get stopped(): boolean {
    return this.state === 'stopped';
  }

  /** The load starts, not yet counted. */
  warmUp(): void {
    if (this.state === 'setup') this.state = 'warmup';
  }

  /** The measured window opens. */
  start(): void {
    if (this.state === 'stopped') return;
    this.state = 'measuring';
    this.windowStart = nowMs();
    this.cpuAtStart = process.cpuUsage();
  }

  stop(): void {
    if (this.state === 'measuring') {
      this.windowEnd = nowMs();
      this.cpuInWindow = process.cpuUsage(this.cpuAtStart ?? undefined);
    }
    this.state = 'stopped';
  }

  /** CPU time (user + system) of this process inside the window, in ms (0 if it never opened). */
  cpuMs(): number {
    const cpu = this.cpuInWindow ?? (this.cpuAtStart ? process.cpuUsage(this.cpuAtStart) : null);
    return cpu ? (cpu.user + cpu.system) / 1000 : 0;
  }

  /** Length of the measured window in ms (0 if it never started). */
  windowMs(): number {
    if (this.windowStart === 0) return 0;
    return (this.windowEnd || nowMs()) - this.windowStart;
  }

  /** One unit of work finished (a reply, a delivery, a connect cycle) with its latency. */
  completed(latencyMs: number, bytes: number): void {
    if (this.state !== 'measuring') return;
    this.counters.completed += 1;
    this.counters.bytes += bytes;
    this.histogram.recordMs(latencyMs);
  }

  sent(): void {
    if (this.state === 'measuring') this.counters.sent += 1;
  }

  connectionOk(): void {
    this.counters.connectionsOk += 1;
  }

  connectionFailed(reason: unknown): void {
    this.counters.connectionsFailed += 1;
    this.note(reason);
  }

  /** An error after set-up: counted while running, and before it (not after the stop: closing is expected). */
  error(reason: unknown): void {
    if (this.state === 'stopped') return;
    this.counters.errors += 1;
    this.note(reason);
  }

  errorSamples(): ErrorSamples {
    return [...this.errorKinds];
  }

  private note(reason: unknown): void {
    const message = reason instanceof Error ? reason.message : String(reason);
    const seen = this.errorKinds.get(message);
    if (seen !== undefined) this.errorKinds.set(message, seen + 1);
    else if (this.errorKinds.size < MAX_ERROR_KINDS) this.errorKinds.set(message, 1);
  }
}
