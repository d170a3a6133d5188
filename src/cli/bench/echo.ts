// echo: every connection keeps --in-flight messages outstanding; each reply is timed by the
// send time it carries and answered with the next message.

import type { WebSocket } from '../../ws/index.js';
import { CLOSE_TIMEOUT_MS, closeAll, forEachLimited, OPEN_CONCURRENCY, openConnection } from './connections.js';
import type { WorkerPlan } from './ipc.js';
import { nowMs, PayloadFactory, readHeader } from './payload.js';
import type { Recorder } from './recorder.js';
import type { Scenario } from './scenario.js';

export class EchoScenario implements Scenario {
  private readonly sockets: WebSocket[] = [];
  private readonly payload: PayloadFactory;
  private readonly nextSeq = new WeakMap<WebSocket, number>();

  constructor(
    private readonly plan: WorkerPlan,
    private readonly recorder: Recorder,
  ) {
    this.payload = new PayloadFactory(plan.size, plan.binary);
  }

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
    for (const ws of this.sockets) {
      for (let i = 0; i < this.plan.inFlight; i++) this.send(ws);
    }
  }

  finish(): Promise<void> {
    return closeAll(this.sockets, CLOSE_TIMEOUT_MS);
  }

  private send(ws: WebSocket): void {
    if (ws.readyState !== ws.OPEN) return;
    const seq = this.nextSeq.get(ws) ?? 0;
    this.nextSeq.set(ws, seq + 1);
    ws.send(this.payload.make(seq));
    this.recorder.sent();
  }

  private attach(ws: WebSocket): void {
    const recorder = this.recorder;
    let expected = 0;
    let failed = false;
    ws.on('message', (data, isBinary) => {
      const header = readHeader(data, isBinary);
      if (header === null) recorder.error('a reply that is not the message sent');
      else if (header.seq !== expected) recorder.error(`replies out of order: got ${header.seq}, expected ${expected}`);
      else recorder.completed(nowMs() - header.sentAt, data.length);
      expected = header === null ? expected + 1 : header.seq + 1;
      if (recorder.running) this.send(ws);
    });
    ws.on('error', (err) => {
      failed = true;
      recorder.error(err);
    });
    ws.on('close', (code) => {
      if (!failed) recorder.error(`the server closed a connection (code ${code})`);
    });
  }
}
