// The messages between `volley bench` (the parent) and its worker processes.
//
// parent → worker: start (the plan), run (the measured window begins), stop (end early)
// worker → parent: ready (connections opened), progress (every ~250 ms), done (final figures)
//
// After 'run' a worker loads for warmupMs without counting, then measures for durationMs.

import type { HistogramSnapshot } from './histogram.js';

export type ScenarioName = 'echo' | 'broadcast' | 'connect' | 'idle';

/** One worker's share of the run. */
export interface WorkerPlan {
  scenario: ScenarioName;
  /** echo and connect: the target; broadcast: unused (subUrl and pubUrl). */
  url: string;
  subUrl: string;
  pubUrl: string;
  /** echo and idle: connections; broadcast: subscribers; connect: unused. */
  connections: number;
  /** echo: messages in flight per connection; broadcast: the publisher's window; connect: cycles in flight. */
  inFlight: number;
  /** broadcast: this worker also runs the one publisher. */
  publisher: boolean;
  /** broadcast: publications per second at a fixed pace instead of the --in-flight window (0: the window). */
  rate: number;
  size: number;
  binary: boolean;
  /** Load runs this long before the measured window opens (JIT, caches, TCP windows). */
  warmupMs: number;
  durationMs: number;
  handshakeTimeoutMs: number;
  progressIntervalMs: number;
}

/** Cumulative figures of one worker; the parent sums them. */
export interface Counters {
  /** Echo replies, deliveries or completed connect cycles, counted inside the measured window. */
  completed: number;
  /** Messages sent inside the window. */
  sent: number;
  /** Payload bytes received inside the window. */
  bytes: number;
  errors: number;
  connectionsOk: number;
  connectionsFailed: number;
}

/** Distinct error messages and how often each happened (only the first few are kept). */
export type ErrorSamples = Array<[message: string, count: number]>;

export type ParentMessage = { type: 'start'; plan: WorkerPlan } | { type: 'run' } | { type: 'stop' };

export type WorkerMessage =
  | { type: 'ready'; counters: Counters; errors: ErrorSamples }
  | { type: 'progress'; counters: Counters }
  | {
      type: 'done';
      counters: Counters;
      errors: ErrorSamples;
      histogram: HistogramSnapshot;
      windowMs: number;
      /** CPU time (user + system) this worker process used inside the measured window. */
      cpuMs: number;
    };

export function emptyCounters(): Counters {
  return { completed: 0, sent: 0, bytes: 0, errors: 0, connectionsOk: 0, connectionsFailed: 0 };
}

export function addCounters(into: Counters, more: Counters): Counters {
  for (const key of Object.keys(into) as Array<keyof Counters>) into[key] += more[key];
  return into;
}
