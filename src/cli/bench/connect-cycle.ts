// connect: --in-flight loops (this worker's share), each repeating one cycle: open a
// connection, send one message, wait for its echo, close. The latency of a cycle runs from
// the start of the TCP connect to the echo's arrival.

import { WebSocket } from '../../ws/index.js';
import { CLOSE_TIMEOUT_MS, openConnection } from './connections.js';
import type { WorkerPlan } from './ipc.js';
import { nowMs, PayloadFactory, readHeader } from './payload.js';
import type { Recorder } from './recorder.js';
import type { Scenario } from './scenario.js';

/** A loop whose cycle failed waits this long, so a dead server is not hammered in a tight loop. */
const RETRY_DELAY_MS = 100;

export class ConnectScenario implements Scenario {
  private readonly payload: PayloadFactory;
  private readonly live = new Set<WebSocket>();
  private loops: Array<Promise<void>> = [];
  private seq = 0;

  constructor(
    private readonly plan: WorkerPlan,
    private readonly recorder: Recorder,
  ) {
    this.payload = new PayloadFactory(plan.size, plan.binary);
  }

  async setup(): Promise<void> {
    // Nothing stays open between cycles.
  }

  run(): void {
    this.loops = Array.from({ length: this.plan.inFlight }, () => this.loop());
  }

  async finish(): Promise<void> {
    // A cycle in progress ends by itself within its time limits; this bounds the wait anyway.
    let timer: NodeJS.Timeout | undefined;
    const limit = this.plan.handshakeTimeoutMs + 2 * CLOSE_TIMEOUT_MS;
    await Promise.race([Promise.all(this.loops), new Promise((resolve) => (timer = setTimeout(resolve, limit)))]);
    clearTimeout(timer);
    for (const ws of this.live) ws.terminate();
  }

  private async loop(): Promise<void> {
    while (this.recorder.running) {
      try {
        await this.cycle();
      } catch (err) {
        if (!this.recorder.running) return;
        this.recorder.connectionFailed(err);
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  }

  private async cycle(): Promise<void> {
    const started = nowMs();
    let onReply: (data: Buffer, isBinary: boolean) => void = () => {};
    let onGone: (err: Error) => void = () => {};
    const reply = new Promise<[Buffer, boolean]>((resolve, reject) => {
      onReply = (data, isBinary) => resolve([data, isBinary]);
      onGone = reject;
    });
    reply.catch(() => {}); // awaited below; a failure before that point must not go unhandled
    const ws = await openConnection(this.plan.url, this.plan.handshakeTimeoutMs, (ws) => {
      ws.once('message', (data, isBinary) => onReply(data, isBinary));
      ws.on('error', (err) => onGone(err));
      ws.once('close', (code) => onGone(new Error(`the server closed the connection before the echo (code ${code})`)));
    });
    this.live.add(ws);
    try {
      ws.send(this.payload.make(this.seq++, started));
      const timer = setTimeout(() => onGone(new Error(`no echo within ${this.plan.handshakeTimeoutMs} ms`)), this.plan.handshakeTimeoutMs);
      const [data, isBinary] = await reply.finally(() => clearTimeout(timer));
      if (readHeader(data, isBinary) === null) throw new Error('a reply that is not the message sent');
      if (this.recorder.measuring) {
        this.recorder.completed(nowMs() - started, data.length);
        this.recorder.connectionOk();
      }
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.close(1000);
      await closed;
    } finally {
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
      this.live.delete(ws);
    }
  }
}
