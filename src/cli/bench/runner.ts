// The parent side of `volley bench`: forks the workers, walks them through set-up, the
// measured run and the close, and merges what they report. Every worker is gone when run()
// returns: those that overrun their time are killed.

import { fork, type ChildProcess } from 'node:child_process';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LatencyHistogram } from './histogram.js';
import { addCounters, emptyCounters, type Counters, type ErrorSamples, type ParentMessage, type WorkerMessage, type WorkerPlan } from './ipc.js';
import { CLOSE_TIMEOUT_MS } from './connections.js';

// worker.js next to this file in dist/, worker.ts when run from the sources through tsx.
const HERE = fileURLToPath(import.meta.url);
const WORKER_MODULE = join(dirname(HERE), `worker${extname(HERE)}`);
/** Extra time for forking, reporting and exiting on top of the planned phases. */
const SLACK_MS = 5000;

type DoneMessage = Extract<WorkerMessage, { type: 'done' }>;

export interface BenchOutcome {
  workers: number;
  counters: Counters;
  histogram: LatencyHistogram;
  /** The measured window, in ms (the longest of the workers'). */
  windowMs: number;
  /** CPU time the workers used inside their windows, summed, in ms: the load generator's own cost. */
  cpuMs: number;
  errors: ErrorSamples;
  /** Stopped early by stop() (Ctrl-C). */
  interrupted: boolean;
}

class WorkerHandle {
  readonly child: ChildProcess;
  latest: Counters = emptyCounters();
  errors: ErrorSamples = [];
  done: DoneMessage | null = null;
  isReady = false;
  exitCode: number | null = null;
  readonly ready: Promise<void>;
  readonly ended: Promise<void>;

  constructor(readonly index: number) {
    // Workers print nothing on stdout; their stderr stays visible should one crash.
    this.child = fork(WORKER_MODULE, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let markReady = () => {};
    this.ready = new Promise((resolve) => (markReady = resolve));
    const exited = new Promise<void>((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : 1);
        markReady();
        resolve();
      }),
    );
    // Messages still in the channel arrive before 'disconnect': wait for both.
    const disconnected = new Promise<void>((resolve) => this.child.once('disconnect', resolve));
    this.ended = Promise.all([exited, disconnected]).then(() => {});
    this.child.on('error', () => {}); // a send to a worker that just died: its exit tells the story
    this.child.on('message', (message: WorkerMessage) => {
      this.latest = message.counters;
      if (message.type === 'ready') {
        this.errors = message.errors;
        this.isReady = true;
        markReady();
      } else if (message.type === 'done') {
        this.errors = message.errors;
        this.done = message;
      }
    });
  }

  send(message: ParentMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  kill(): void {
    if (this.exitCode === null) this.child.kill('SIGKILL');
  }
}

export class BenchRun {
  private readonly handles: WorkerHandle[] = [];
  private interrupted = false;

  constructor(private readonly plans: WorkerPlan[]) {}

  /** The figures reported so far, summed over the workers. */
  current(): Counters {
    return this.handles.reduce((sum, h) => addCounters(sum, h.latest), emptyCounters());
  }

  /** Ends the run early: workers close their connections and report. A second call kills them. */
  stop(): void {
    if (this.interrupted) {
      for (const h of this.handles) h.kill();
      return;
    }
    this.interrupted = true;
    for (const h of this.handles) h.send({ type: 'stop' });
  }

  async run(onRunning: () => void): Promise<BenchOutcome> {
    const plan = this.plans[0]!;
    for (const [i, workerPlan] of this.plans.entries()) {
      const handle = new WorkerHandle(i);
      this.handles.push(handle);
      handle.send({ type: 'start', plan: workerPlan });
    }
    const setupLimit = plan.handshakeTimeoutMs * 2 + SLACK_MS;
    const runLimit = plan.warmupMs + plan.durationMs + 2 * CLOSE_TIMEOUT_MS + SLACK_MS;
    const killAll = setTimeout(() => this.handles.forEach((h) => h.kill()), setupLimit + runLimit);
    try {
      await withTimeout(Promise.all(this.handles.map((h) => h.ready)), setupLimit);
      // Nothing to measure when no connection opened; a worker still setting up is left out.
      const go = !this.interrupted && (this.current().connectionsOk > 0 || plan.scenario === 'connect');
      for (const h of this.handles) h.send({ type: go && h.isReady ? 'run' : 'stop' });
      if (go) onRunning();
      await Promise.all(this.handles.map((h) => h.ended));
    } finally {
      clearTimeout(killAll);
      for (const h of this.handles) h.kill();
    }
    return this.outcome();
  }

  private outcome(): BenchOutcome {
    const histogram = new LatencyHistogram();
    const errors = new Map<string, number>();
    const counters = emptyCounters();
    let windowMs = 0;
    let cpuMs = 0;
    for (const h of this.handles) {
      addCounters(counters, h.done?.counters ?? h.latest);
      if (h.done) {
        histogram.merge(h.done.histogram);
        windowMs = Math.max(windowMs, h.done.windowMs);
        cpuMs += h.done.cpuMs;
      } else {
        counters.errors += 1;
        errors.set(`worker ${h.index + 1} ended without reporting (exit code ${h.exitCode})`, 1);
      }
      for (const [message, count] of h.errors) errors.set(message, (errors.get(message) ?? 0) + count);
    }
    return { workers: this.handles.length, counters, histogram, windowMs, cpuMs, errors: [...errors], interrupted: this.interrupted };
  }
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
