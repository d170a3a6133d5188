// Number formatting for the progress line and the summary table.

/** A count or rate: whole numbers with thousands separators, one decimal below 100. */
export function formatCount(n: number): string {
  if (n > 0 && n < 100 && !Number.isInteger(n)) return n.toFixed(1);
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds to three significant digits: 0.0412, 0.412, 4.12, 41.2, 412. */
export function formatMs(ms: number): string {
  if (ms === 0) return '0';
  if (ms >= 100) return ms.toFixed(0);
  return ms.toPrecision(3);
}

/** Rounds for JSON output: `digits` decimals. */
export function round(n: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(n * scale) / scale;
}
