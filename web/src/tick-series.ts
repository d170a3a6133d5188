// Recent ticks per symbol, on the page's clock. Server times are shifted by the smallest
// delay seen (server clock to page clock plus network), so the newest point sits at
// "now" and the chart scrolls smoothly even when the two clocks disagree.

import type { MarketTick } from '../../src/demo/protocol.js';
import type { Point } from './time-chart.js';

export class TickSeries {
  private readonly bySymbol = new Map<string, Point[]>();
  private offset: number | undefined;

  constructor(private readonly keepMs: number) {}

  /** Adds a tick that has just arrived. */
  add(tick: MarketTick): Point {
    const delay = Date.now() - tick.time;
    this.offset = this.offset === undefined ? delay : Math.min(this.offset, delay);
    const point = { t: tick.time + (this.offset ?? 0), v: tick.price };
    let points = this.bySymbol.get(tick.symbol);
    if (points === undefined) {
      points = [];
      this.bySymbol.set(tick.symbol, points);
    }
    points.push(point);
    const cutoff = Date.now() - this.keepMs;
    while (points.length > 1 && points[0]!.t < cutoff) points.shift();
    return point;
  }

  /** Puts ticks from history (oldest first) in front of what arrived live. */
  prepend(ticks: readonly MarketTick[]): void {
    const older = new Map<string, Point[]>();
    for (const tick of ticks) {
      const first = this.bySymbol.get(tick.symbol)?.[0];
      if (first !== undefined && tick.time + (this.offset ?? 0) >= first.t) continue;
      let points = older.get(tick.symbol);
      if (points === undefined) older.set(tick.symbol, (points = []));
      points.push({ t: tick.time + (this.offset ?? 0), v: tick.price });
    }
    for (const [symbol, points] of older) this.bySymbol.set(symbol, [...points, ...(this.bySymbol.get(symbol) ?? [])]);
  }

  points(symbol: string): readonly Point[] {
    return this.bySymbol.get(symbol) ?? [];
  }
}
