// The result of a run: one summary object, printed as a table or as JSON.

import { formatCount, formatMs, round } from './format.js';
import type { ScenarioName } from './ipc.js';
import type { BenchOptions } from './options.js';
import type { BenchOutcome } from './runner.js';

/** What the first column counts, per scenario. */
export const UNITS: Record<ScenarioName, string> = { echo: 'messages', broadcast: 'deliveries', connect: 'handshakes', idle: 'connections' };

export interface BenchSummary {
  scenario: ScenarioName;
  url?: string;
  subUrl?: string;
  pubUrl?: string;
  workers: number;
  connections?: number;
  inFlight: number;
  size: number;
  binary: boolean;
  /** broadcast: the fixed publishing pace, per second (0: the --in-flight window). */
  rate: number;
  warmupSeconds: number;
  seconds: number;
  unit: string;
  /** Echo replies, deliveries or completed connect cycles in the measured window. */
  completed: number;
  sent: number;
  perSecond: number;
  /** Payload bytes received per second, in MB (10^6 bytes). */
  mbPerSecond: number;
  latencyMs: { p50: number; p99: number; p999: number; mean: number; max: number };
  /** CPU the bench's own workers used in the window, in % of one core (summed over the workers). */
  clientCpuPercent: number;
  errors: number;
  connectionsOk: number;
  connectionsFailed: number;
  errorMessages: Array<{ message: string; count: number }>;
  interrupted: boolean;
}

export function summarize(options: BenchOptions, outcome: BenchOutcome): BenchSummary {
  const { counters, histogram } = outcome;
  const seconds = outcome.windowMs / 1000;
  const perSecond = seconds > 0 ? counters.completed / seconds : 0;
  const target =
    options.scenario === 'broadcast' ? { subUrl: options.subUrl, pubUrl: options.pubUrl } : { url: options.url };
  return {
    scenario: options.scenario,
    ...target,
    workers: outcome.workers,
    ...(options.scenario === 'connect' ? {} : { connections: options.connections }),
    inFlight: options.inFlight,
    size: options.size,
    binary: options.binary,
    rate: options.rate,
    warmupSeconds: options.warmupSeconds,
    seconds: round(seconds, 3),
    unit: UNITS[options.scenario],
    completed: counters.completed,
    sent: counters.sent,
    perSecond: round(perSecond, 1),
    mbPerSecond: round(seconds > 0 ? counters.bytes / 1e6 / seconds : 0, 3),
    latencyMs: {
      p50: round(histogram.quantileMs(0.5), 3),
      p99: round(histogram.quantileMs(0.99), 3),
      p999: round(histogram.quantileMs(0.999), 3),
      mean: round(histogram.meanMs(), 3),
      max: round(histogram.maxMs(), 3),
    },
    clientCpuPercent: round(outcome.windowMs > 0 ? (100 * outcome.cpuMs) / outcome.windowMs : 0, 1),
    errors: counters.errors,
    connectionsOk: counters.connectionsOk,
    connectionsFailed: counters.connectionsFailed,
    errorMessages: outcome.errors.map(([message, count]) => ({ message, count })),
    interrupted: outcome.interrupted,
  };
}

function describeRun(s: BenchSummary): string {
  const kind = `${s.size}-byte ${s.binary ? 'binary' : 'text'} messages`;
  const workers = `${s.workers} worker${s.workers === 1 ? '' : 's'}`;
  switch (s.scenario) {
    case 'echo':
      return `echo ${s.url}: ${s.connections} connections x ${s.inFlight} in flight, ${kind}, ${workers}`;
    case 'broadcast': {
      const pace = s.rate > 0 ? `${s.rate} per second` : `${s.inFlight} in flight`;
      return `broadcast ${s.pubUrl} -> ${s.subUrl}: ${s.connections} subscribers, ${pace}, ${kind}, ${workers}`;
    }
    case 'connect':
      return `connect ${s.url}: ${s.inFlight} cycles in flight, ${kind}, ${workers}`;
    case 'idle':
      return `idle ${s.url}: ${s.connections} connections held, ${workers}`;
  }
}

/** Columns padded to the wider of header and value, right-aligned. */
function table(rows: Array<[header: string, value: string]>): string {
  const widths = rows.map(([h, v]) => Math.max(h.length, v.length));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return `${line(rows.map(([h]) => h))}\n${line(rows.map(([, v]) => v))}\n`;
}

export function formatTable(s: BenchSummary): string {
  const okLabel = s.scenario === 'connect' ? 'cycles' : 'connections';
  // An idle run moves no messages: only its connections and errors mean something.
  const traffic: Array<[string, string]> =
    s.scenario === 'idle'
      ? []
      : [
          [`${s.unit}/s`, formatCount(s.perSecond)],
          ['MB/s', s.mbPerSecond.toFixed(2)],
          ['p50 ms', formatMs(s.latencyMs.p50)],
          ['p99 ms', formatMs(s.latencyMs.p99)],
          ['p999 ms', formatMs(s.latencyMs.p999)],
        ];
  const body = table([
    ...traffic,
    ['errors', formatCount(s.errors)],
    [`${okLabel} ok`, formatCount(s.connectionsOk)],
    [`${okLabel} failed`, formatCount(s.connectionsFailed)],
    ['client CPU %', formatCount(s.clientCpuPercent)],
  ]);
  const held = `${formatCount(s.connectionsOk)} connections held for ${s.seconds.toFixed(2)} s`;
  const moved = `${formatCount(s.completed)} ${s.unit} in ${s.seconds.toFixed(2)} s`;
  const totals = `${s.scenario === 'idle' ? held : moved}${s.interrupted ? ' (stopped early)' : ''}`;
  const problems = s.errorMessages.map(({ message, count }) => `  ${count} x ${message}\n`).join('');
  return `${describeRun(s)}\n\n${body}\n${totals}\n${problems ? `errors:\n${problems}` : ''}`;
}
