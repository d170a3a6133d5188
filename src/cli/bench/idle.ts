// idle: --connections connections opened and held for the window, nothing sent. What it
// measures is on the server's side (memory per connection); the summary says how many
// opened and whether the server closed any of them meanwhile.

import type { WebSocket } from '../../ws/index.js';
import { CLOSE_TIMEOUT_MS, closeAll, forEachLimited, OPEN_CONCURRENCY, openConnection } from './connections.js';
import type { WorkerPlan } from './ipc.js';
import type { Recorder } from './recorder.js';
import type { Scenario } from './scenario.js';

export class IdleScenario implements Scenario {
  private readonly sockets: WebSocket[] = [];

  constructor(
    private readonly plan: WorkerPlan,
    private readonly recorder: Recorder,
  ) {}

  async setup(): Promise<void> {
    await forEachLimited(this.plan.connections, OPEN_CONCURRENCY, async () => {
      try {
        this.sockets.push(await openConnection(this.plan.url, this.plan.handshakeTimeoutMs, (ws) => this.attach(ws)));
        this.recorder.connectionOk();
      } catch (err) {
        this.recorder.connectionFailed(err);
      }
    });
  }

  run(): void {
    // Holding is the load.
  }

  finish(): Promise<void> {
    return closeAll(this.sockets, CLOSE_TIMEOUT_MS);
  }

  private attach(ws: WebSocket): void {
    let failed = false;
    ws.on('message', () => this.recorder.error('a message on an idle connection'));
    ws.on('error', (err) => {
      failed = true;
      this.recorder.error(err);
    });
    ws.on('close', (code) => {
      if (!failed) this.recorder.error(`the server closed an idle connection (code ${code})`);
    });
  }
}
