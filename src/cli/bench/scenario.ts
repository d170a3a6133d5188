// What each load pattern implements inside a worker; the worker drives the phases.

import { BroadcastScenario } from './broadcast.js';
import { ConnectScenario } from './connect-cycle.js';
import { EchoScenario } from './echo.js';
import type { WorkerPlan } from './ipc.js';
import type { Recorder } from './recorder.js';

export interface Scenario {
  /** Opens the long-lived connections; resolves when each one is open or has failed. */
  setup(): Promise<void>;
  /** Starts the load; the recorder is already counting. */
  run(): void;
  /** Stops sending (the recorder has stopped) and closes every connection cleanly. */
  finish(): Promise<void>;
}

export function createScenario(plan: WorkerPlan, recorder: Recorder): Scenario {
  switch (plan.scenario) {
    case 'echo':
      return new EchoScenario(plan, recorder);
    case 'broadcast':
      return new BroadcastScenario(plan, recorder);
    case 'connect':
      return new ConnectScenario(plan, recorder);
  }
}
