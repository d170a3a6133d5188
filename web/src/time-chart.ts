// Scrolling time-series charts with uPlot, for the status, live data, devices and admin
// pages. The chart fills its container (a block with a CSS height), follows its width, and
// takes the page's light or dark colours; the time axis moves with the clock, the latest
// value holds until the next one arrives.

import uPlot from 'uplot';

export interface Point {
  /** Time on the page's clock, ms since the epoch. */
  t: number;
  v: number;
}

export interface SeriesStyle {
  label: string;
  /** Line colour as `#rrggbb`. */
  color: string;
}

export interface TimeChartOptions {
  /** Visible time span. Default 30000 ms. */
  windowMs?: number;
  /** One or more lines; default one blue line labelled 'value'. A legend shows when there are several. */
  series?: readonly SeriesStyle[];
  /** Labels of the value axis and the legend. Default: two decimals. */
  format?: (value: number) => string;
  /** Smallest value span shown, so a flat line is not blown up into noise. Default 1. */
  minSpan?: number;
  /** The value axis always includes 0 (for counts and rates). Default false. */
  fromZero?: boolean;
  /** Whole numbers only on the value axis (for counts). Default false. */
  integer?: boolean;
  /**
   * With this, the time axis starts at the first point while the data spans less than
   * `windowMs` (but shows at least this long), so a young series fills the chart. Default: off.
   */
  minWindowMs?: number;
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
/** Steps of an integer axis. */
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

/** Frames at most this often: the time axis glides without redrawing at the screen's full rate. */
const FRAME_MS = 50;
const LEGEND_HEIGHT = 30;

export class TimeChart {
  private times: number[] = [];
  private columns: number[][];
  private readonly plot: uPlot;
  private readonly windowMs: number;
  private readonly minSpan: number;
  private readonly fromZero: boolean;
  private readonly legend: boolean;
  private readonly minWindowMs: number | undefined;
  private lastFrame = 0;
  private dirty = true;
  /** The clock of the last draw; the time axis ends there. */
  private now = Date.now();

  constructor(private readonly container: HTMLElement, options: TimeChartOptions = {}) {
    this.windowMs = options.windowMs ?? 30_000;
    this.minSpan = options.minSpan ?? 1;
    this.fromZero = options.fromZero ?? false;
    this.minWindowMs = options.minWindowMs;
    const series = options.series ?? [{ label: 'value', color: '#2563eb' }];
    this.columns = series.map(() => []);
    this.legend = series.length > 1;
    const format = options.format ?? ((value: number) => value.toFixed(2));
    const muted = () => getComputedStyle(container).getPropertyValue('--muted').trim() || '#64748b';
    const grid = { stroke: 'rgba(100, 116, 139, 0.18)', width: 1 };
    this.plot = new uPlot(
      {
        ...this.size(),
        legend: { show: this.legend, live: false },
        cursor: { show: false },
        scales: {
          x: { time: true, range: () => this.timeRange() },
          y: { range: (_u, low, high) => this.valueRange(low, high) },
        },
        axes: [
          { stroke: muted, grid, ticks: { show: false }, size: 28, space: 90, values: (_u, splits) => splits.map((s) => clockFormat.format(s * 1_000)) },
          {
            side: 1, stroke: muted, grid, ticks: { show: false }, size: 64, values: (_u, splits) => splits.map(format),
            ...(options.integer ? { incrs: INTEGER_STEPS } : {}),
          },
        ],
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            fill: series.length === 1 ? `${s.color}33` : undefined,
            points: { show: false },
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
          })),
        ],
      },
      [[], ...this.columns],
      container,
    );
    new ResizeObserver(() => {
      this.plot.setSize(this.size());
    }).observe(container);
  }

  /** Replaces the data of one line (points in time order). */
  setPoints(points: readonly Point[], index = 0): void {
    if (this.columns.length === 1) {
      this.times = points.map((p) => p.t);
      this.columns[0] = points.map((p) => p.v);
    } else {
      // Several lines share one time axis: set them all with setSamples.
      this.setSamples(points.map((p) => p.t), this.columns.map((column, i) => (i === index ? points.map((p) => p.v) : column)));
    }
    this.dirty = true;
  }

  /** Replaces the data of every line at once: one time axis and a column of values per line. */
  setSamples(times: readonly number[], columns: readonly (readonly number[])[]): void {
    this.times = [...times];
    this.columns = columns.map((column) => [...column]);
    this.dirty = true;
  }

  /** Appends one point to a single-line chart (not older than the last). */
  push(point: Point): void {
    this.times.push(point.t);
    this.columns[0]!.push(point.v);
    this.dirty = true;
  }

  /**
   * Shows the data as of `now` (called every animation frame). Without new data it redraws
   * only when the time axis has moved about a pixel, and at most every FRAME_MS.
   */
  draw(now: number): void {
    const frameMs = Math.max(FRAME_MS, this.windowMs / Math.max(this.container.clientWidth, 1));
    if (!this.dirty && now - this.lastFrame < frameMs) return;
    this.lastFrame = now;
    this.dirty = false;
    this.forgetBefore(now - this.windowMs);
    const times = this.times.map((t) => t / 1_000);
    const columns = this.columns.map((column) => [...column]);
    // The last value holds until the next one arrives: extend every line to "now".
    if (times.length > 0) {
      times.push(now / 1_000);
      for (const column of columns) column.push(column[column.length - 1]!);
    }
    this.now = now;
    this.plot.setData([times, ...columns]);
  }

  private timeRange(): uPlot.Range.MinMax {
    let span = this.windowMs;
    const first = this.times[0];
    if (this.minWindowMs !== undefined && first !== undefined) span = Math.min(Math.max(this.now - first, this.minWindowMs), this.windowMs);
    return [(this.now - span) / 1_000, this.now / 1_000];
  }

  private valueRange(low: number | null, high: number | null): uPlot.Range.MinMax {
    if (low === null || high === null) return [0, this.minSpan];
    if (this.fromZero) low = Math.min(low, 0);
    const span = Math.max(high - low, this.minSpan);
    const middle = (high + low) / 2;
    const bottom = middle - span * 0.6;
    return [this.fromZero ? Math.max(bottom, 0) : bottom, middle + span * 0.6];
  }

  /** Keeps one point left of the window, so the line enters from the edge. */
  private forgetBefore(start: number): void {
    let first = 0;
    while (first + 1 < this.times.length && this.times[first + 1]! < start) first++;
    if (first === 0) return;
    this.times.splice(0, first);
    for (const column of this.columns) column.splice(0, first);
  }

  private size(): { width: number; height: number } {
    const width = Math.max(this.container.clientWidth, 100);
    const height = Math.max(this.container.clientHeight - (this.legend ? LEGEND_HEIGHT : 0), 80);
    return { width, height };
  }
}

/** Calls `frame(now)` on every animation frame until the returned function is called. */
export function everyFrame(frame: (now: number) => void): () => void {
  let handle = 0;
  const loop = () => {
    frame(Date.now());
    handle = window.requestAnimationFrame(loop);
  };
  handle = window.requestAnimationFrame(loop);
  return () => window.cancelAnimationFrame(handle);
}
