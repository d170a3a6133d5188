// Picks the scenario a worker plan names.

import { BroadcastScenario } from './broadcast.js';
import { ConnectScenario } from './connect-cycle.js';
import { EchoScenario } from './echo.js';
import { IdleScenario } from './idle.js';
import type { WorkerPlan } from './ipc.js';
import type { Recorder } from './recorder.js';
import type { Scenario } from './scenario.js';

export function createScenario(plan: WorkerPlan, recorder: Recorder): Scenario {
  switch (plan.scenario) {
    case 'echo':
      return new EchoScenario(plan, recorder);
    case 'broadcast':
      return new BroadcastScenario(plan, recorder);
    case 'connect':
      return new ConnectScenario(plan, recorder);
    case 'idle':
      return new IdleScenario(plan, recorder);
  }
}
