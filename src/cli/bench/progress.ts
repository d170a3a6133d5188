// Progress on stderr while the bench runs: a redrawn bar on a terminal, a plain line every
// second otherwise (and one at the end, so that even a short run shows one), nothing with
// --json (stdout is then for the one JSON object).

import type { Counters } from './ipc.js';
import { formatCount } from './format.js';

export type ProgressMode = 'bar' | 'lines' | 'none';

const BAR_REDRAW_MS = 250;
const LINE_EVERY_MS = 1000;
const BAR_WIDTH = 24;
/** The current rate is taken over about this much of the recent past. */
const RATE_WINDOW_MS = 1000;

export class ProgressDisplay {
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private samples: Array<[at: number, completed: number]> = [];

  constructor(
    private readonly mode: ProgressMode,
    private readonly unit: string,
    private readonly totalMs: number,
    private readonly read: () => Counters,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {}

  /** A one-off line (what is starting), shown in every mode but 'none'. */
  note(text: string): void {
    if (this.mode !== 'none') this.out.write(`${text}\n`);
  }

  start(): void {
    if (this.mode === 'none') return;
    this.startedAt = Date.now();
    this.samples = [[this.startedAt, 0]];
    this.timer = setInterval(() => this.draw(), this.mode === 'bar' ? BAR_REDRAW_MS : LINE_EVERY_MS);
  }

  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.startedAt) return;
    if (this.mode === 'bar') this.out.write('\r\x1b[2K');
    if (this.mode === 'lines') {
      const { completed, errors } = this.read();
      this.out.write(`bench: done  ${formatCount(completed)} ${this.unit}  ${formatCount(errors)} errors\n`);
    }
  }

  private draw(): void {
    const now = Date.now();
    const counters = this.read();
    this.samples.push([now, counters.completed]);
    while (this.samples.length > 2 && now - this.samples[1]![0] >= RATE_WINDOW_MS) this.samples.shift();
    const [since, before] = this.samples[0]!;
    const rate = now > since ? ((counters.completed - before) * 1000) / (now - since) : 0;
    const elapsedMs = Math.min(now - this.startedAt, this.totalMs);
    const status = `${(elapsedMs / 1000).toFixed(1)}/${(this.totalMs / 1000).toFixed(0)} s  ${formatCount(rate)} ${this.unit}/s  ${formatCount(counters.errors)} errors`;
    if (this.mode === 'lines') {
      this.out.write(`bench: ${status}\n`);
      return;
    }
    const filled = Math.round((elapsedMs / this.totalMs) * BAR_WIDTH);
    this.out.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${status}`);
  }
}
