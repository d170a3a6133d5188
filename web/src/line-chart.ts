// A scrolling time-series chart on a canvas, redrawn every animation frame: the time axis
// moves continuously with the clock and the value axis eases towards its new range, so
// the picture glides instead of jumping when data arrives.

export interface Point {
  /** Time on the page's clock, ms since the epoch. */
  t: number;
  v: number;
}

export interface LineChartOptions {
  /** Visible time span. Default 30000 ms. */
  windowMs?: number;
  /** Line colour as `#rrggbb`. Default '#2563eb'. */
  color?: string;
  /** Labels of the value axis and the latest value. Default: two decimals. */
  format?: (value: number) => string;
  /** Smallest value span shown, so a flat line is not blown up into noise. Default 1. */
  minSpan?: number;
  /** The value axis always includes 0 (for counts and rates). Default false. */
  fromZero?: boolean;
}

const GRID_LINES = 4;
/** Share of the gap to the target range closed per frame. */
const EASING = 0.12;
const RIGHT_GUTTER = 64;

export class LineChart {
  private points: Point[] = [];
  private low = Number.NaN;
  private high = Number.NaN;
  private readonly windowMs: number;
  private readonly color: string;
  private readonly format: (value: number) => string;
  private readonly minSpan: number;
  private readonly fromZero: boolean;

  constructor(private readonly canvas: HTMLCanvasElement, options: LineChartOptions = {}) {
    this.windowMs = options.windowMs ?? 30_000;
    this.color = options.color ?? '#2563eb';
    this.format = options.format ?? ((value) => value.toFixed(2));
    this.minSpan = options.minSpan ?? 1;
    this.fromZero = options.fromZero ?? false;
  }

  /**
   * Replaces the data (points in time order). With `snap` (the default, for a different
   * series) the value range jumps to the new data; without, it eases there.
   */
  setPoints(points: readonly Point[], snap = true): void {
    this.points = [...points];
    if (!snap) return;
    this.low = Number.NaN;
    this.high = Number.NaN;
  }

  /** Appends one point (not older than the last). */
  push(point: Point): void {
    this.points.push(point);
  }

  /** Draws the chart as of `now`, and drops points that scrolled out of view. */
  draw(now: number): void {
    const context = this.prepareCanvas();
    if (context === undefined) return;
    const { width, height } = this.canvas.getBoundingClientRect();
    const start = now - this.windowMs;
    this.forgetBefore(start);
    context.clearRect(0, 0, width, height);
    const visible = this.points;
    const plotWidth = width - RIGHT_GUTTER;
    const top = 12;
    const bottom = height - 12;
    this.easeRange(visible);
    if (visible.length === 0 || Number.isNaN(this.low)) return;

    const x = (t: number) => ((t - start) / this.windowMs) * plotWidth;
    const y = (v: number) => bottom - ((v - this.low) / (this.high - this.low)) * (bottom - top);
    const last = visible[visible.length - 1]!;
    const lastY = Math.min(Math.max(y(last.v), top), bottom);
    this.drawGrid(context, plotWidth, y, lastY);

    // The point kept left of the window would draw outside the plot: clip to it.
    context.save();
    context.beginPath();
    context.rect(0, 0, plotWidth + 5, height);
    context.clip();
    context.beginPath();
    visible.forEach((p, i) => (i === 0 ? context.moveTo(x(p.t), y(p.v)) : context.lineTo(x(p.t), y(p.v))));
    // The last value holds until the next one arrives: extend it to "now".
    context.lineTo(x(now), y(last.v));
    context.strokeStyle = this.color;
    context.lineWidth = 2;
    context.lineJoin = 'round';
    context.stroke();

    context.lineTo(x(now), bottom);
    context.lineTo(x(visible[0]!.t), bottom);
    context.closePath();
    const fill = context.createLinearGradient(0, top, 0, bottom);
    fill.addColorStop(0, withAlpha(this.color, 0.25));
    fill.addColorStop(1, withAlpha(this.color, 0));
    context.fillStyle = fill;
    context.fill();

    context.beginPath();
    context.arc(x(now), y(last.v), 3.5, 0, Math.PI * 2);
    context.fillStyle = this.color;
    context.fill();
    context.restore();
    context.fillStyle = this.color;
    context.font = '600 12px system-ui, sans-serif';
    context.textBaseline = 'middle';
    context.fillText(this.format(last.v), plotWidth + 8, lastY);
  }

  /** Horizontal lines with value labels; a label that would touch the latest value's (at `keepClearY`) is left out. */
  private drawGrid(context: CanvasRenderingContext2D, plotWidth: number, y: (v: number) => number, keepClearY: number): void {
    // The page's muted text colour (light or dark scheme) for labels; a faint grey for lines.
    const muted = getComputedStyle(this.canvas).getPropertyValue('--muted').trim() || '#64748b';
    context.strokeStyle = 'rgba(100, 116, 139, 0.2)';
    context.fillStyle = muted;
    context.lineWidth = 1;
    context.font = '11px system-ui, sans-serif';
    context.textBaseline = 'middle';
    for (let i = 0; i <= GRID_LINES; i++) {
      const value = this.low + ((this.high - this.low) * i) / GRID_LINES;
      const row = Math.round(y(value)) + 0.5;
      context.beginPath();
      context.moveTo(0, row);
      context.lineTo(plotWidth, row);
      context.stroke();
      if (i > 0 && i < GRID_LINES && Math.abs(row - keepClearY) > 14) context.fillText(this.format(value), plotWidth + 8, row);
    }
  }

  /** Moves the shown range a step towards the data's range (padded), or snaps on the first frame. */
  private easeRange(points: readonly Point[]): void {
    if (points.length === 0) return;
    let low = Infinity;
    let high = -Infinity;
    for (const p of points) {
      low = Math.min(low, p.v);
      high = Math.max(high, p.v);
    }
    if (this.fromZero) low = Math.min(low, 0);
    const span = Math.max(high - low, this.minSpan);
    const middle = (high + low) / 2;
    let targetLow = middle - span * 0.6;
    const targetHigh = middle + span * 0.6;
    if (this.fromZero) targetLow = Math.max(targetLow, 0);
    if (Number.isNaN(this.low)) {
      this.low = targetLow;
      this.high = targetHigh;
      return;
    }
    this.low += (targetLow - this.low) * EASING;
    this.high += (targetHigh - this.high) * EASING;
  }

  /** Keeps one point left of the window, so the line enters from the edge. */
  private forgetBefore(start: number): void {
    let first = 0;
    while (first + 1 < this.points.length && this.points[first + 1]!.t < start) first++;
    if (first > 0) this.points.splice(0, first);
  }

  /** Matches the canvas's pixel buffer to its CSS size and the screen's pixel ratio. */
  private prepareCanvas(): CanvasRenderingContext2D | undefined {
    const context = this.canvas.getContext('2d');
    if (context === null) return undefined;
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = this.canvas.getBoundingClientRect();
    const pixelWidth = Math.round(width * ratio);
    const pixelHeight = Math.round(height * ratio);
    if (this.canvas.width !== pixelWidth || this.canvas.height !== pixelHeight) {
      this.canvas.width = pixelWidth;
      this.canvas.height = pixelHeight;
    }
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    return context;
  }
}

/** `#rrggbb` with an alpha, for the area under the line. */
function withAlpha(hex: string, alpha: number): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (match === null) return hex;
  return `rgba(${parseInt(match[1]!, 16)}, ${parseInt(match[2]!, 16)}, ${parseInt(match[3]!, 16)}, ${alpha})`;
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
