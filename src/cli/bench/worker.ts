// A `volley bench` worker process (forked by the parent over IPC): runs its share of the
// connections through the phases start → ready → run (warm-up, then the measured window) →
// done, reporting progress as it goes.
// It always ends by itself: when the run is over, when the parent goes away, or at a hard
// deadline should anything hang.

import type { Counters, ParentMessage, WorkerMessage, WorkerPlan } from './ipc.js';
import { Recorder } from './recorder.js';
import { createScenario } from './create-scenario.js';
import type { Scenario } from './scenario.js';

/** Slack on top of set-up, run and close time before the worker gives up on itself. */
const HARD_DEADLINE_SLACK_MS = 15_000;

const recorder = new Recorder();
let plan: WorkerPlan | null = null;
let scenario: Scenario | null = null;
let ready = false;
let stopRequested = false;
let finishing = false;
let progressTimer: NodeJS.Timeout | null = null;
let stopTimer: NodeJS.Timeout | null = null;

function send(message: WorkerMessage, then?: () => void): void {
  if (!process.connected) return;
  process.send!(message, undefined, {}, () => then?.());
}

function counters(): Counters {
  return { ...recorder.counters };
}

async function start(given: WorkerPlan): Promise<void> {
  plan = given;
  setTimeout(() => process.exit(1), plan.handshakeTimeoutMs * 2 + plan.warmupMs + plan.durationMs + HARD_DEADLINE_SLACK_MS).unref();
  scenario = createScenario(plan, recorder);
  await scenario.setup();
  ready = true;
  if (stopRequested) return finish();
  send({ type: 'ready', counters: counters(), errors: recorder.errorSamples() });
}

function run(): void {
  if (!ready || stopRequested || recorder.running || !plan) return;
  const { durationMs, warmupMs, progressIntervalMs } = plan;
  const measure = () => {
    recorder.start();
    stopTimer = setTimeout(() => void finish(), durationMs);
  };
  recorder.warmUp();
  if (warmupMs === 0) measure();
  scenario!.run();
  if (warmupMs > 0) stopTimer = setTimeout(measure, warmupMs);
  progressTimer = setInterval(() => send({ type: 'progress', counters: counters() }), progressIntervalMs);
}

async function finish(): Promise<void> {
  if (finishing) return;
  finishing = true;
  if (progressTimer) clearInterval(progressTimer);
  if (stopTimer) clearTimeout(stopTimer);
  recorder.stop();
  await scenario?.finish();
  if (!process.connected) process.exit(0);
  send(
    {
      type: 'done',
      counters: counters(),
      errors: recorder.errorSamples(),
      histogram: recorder.histogram.snapshot(),
      windowMs: recorder.windowMs(),
      cpuMs: recorder.cpuMs(),
    },
    () => process.exit(0),
  );
}

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'start':
      void start(message.plan);
      break;
    case 'run':
      run();
      break;
    case 'stop':
      stopRequested = true;
      if (ready) void finish();
      break;
  }
});
// Ctrl-C reaches every process of the terminal's group: the parent decides how to stop.
process.on('SIGINT', () => {});
// The parent is gone (killed, crashed): nobody is left to report to.
process.on('disconnect', () => process.exit(0));
