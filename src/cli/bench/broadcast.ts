// broadcast: subscribers on the sub URL, one publisher on the pub URL (in the first worker).
// Each delivery is timed by the send time the publisher wrote into it; the clocks of the
// worker processes agree because they run on the same machine.
//
// Pacing: the publisher keeps at most --in-flight messages that its worker's first
// subscriber (the probe) has not received yet, so the server is loaded, not flooded. With
// --rate it publishes at that fixed pace instead, whatever the deliveries do (the latency of
// a steady stream rather than of a saturated server).

import type { WebSocket } from '../../ws/index.js';
import { CLOSE_TIMEOUT_MS, closeAll, forEachLimited, OPEN_CONCURRENCY, openConnection } from './connections.js';
import type { WorkerPlan } from './ipc.js';
import { nowMs, PayloadFactory, readHeader } from './payload.js';
import type { Recorder } from './recorder.js';
import type { Scenario } from './scenario.js';

/** The publisher pauses while this much is queued on its socket. */
const MAX_PUBLISHER_BUFFER = 1 << 20;
/** With no delivery to the probe for this long, the window is reopened (lost messages, a dead probe). */
const STALL_MS = 1000;
/** With --rate, how often the publisher catches up with its schedule (at most). */
const RATE_TICK_MS = 50;

export class BroadcastScenario implements Scenario {
  private readonly subscribers: WebSocket[] = [];
  private publisher: WebSocket | null = null;
  private probe: WebSocket | null = null;
  private readonly payload: PayloadFactory;
  private published = 0;
  /** Sequence numbers below this count as delivered (to the probe) for pacing. */
  private acknowledged = 0;
  private lastProgress = 0;
  private stallTimer: NodeJS.Timeout | null = null;
  private rateTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly plan: WorkerPlan,
    private readonly recorder: Recorder,
  ) {
    this.payload = new PayloadFactory(plan.size, plan.binary);
  }

  async setup(): Promise<void> {
    const { plan, recorder } = this;
    await forEachLimited(plan.connections, OPEN_CONCURRENCY, async () => {
      try {
        const ws = await openConnection(plan.subUrl, plan.handshakeTimeoutMs, (ws) => this.attachSubscriber(ws));
        this.subscribers.push(ws);
        this.probe ??= ws;
        recorder.connectionOk();
      } catch (err) {
        recorder.connectionFailed(err);
      }
    });
    if (!plan.publisher) return;
    try {
      this.publisher = await openConnection(plan.pubUrl, plan.handshakeTimeoutMs, (ws) => this.attachPublisher(ws));
      recorder.connectionOk();
    } catch (err) {
      recorder.connectionFailed(new Error(`the publisher could not connect: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  run(): void {
    if (!this.publisher) return;
    if (this.plan.rate > 0) return this.runPaced(this.plan.rate);
    this.lastProgress = nowMs();
    this.stallTimer = setInterval(() => {
      if (nowMs() - this.lastProgress < STALL_MS) return;
      this.acknowledged = this.published;
      this.lastProgress = nowMs();
      this.publish();
    }, STALL_MS / 4);
    this.publish();
  }

  async finish(): Promise<void> {
    if (this.stallTimer) clearInterval(this.stallTimer);
    if (this.rateTimer) clearInterval(this.rateTimer);
    await closeAll(this.publisher ? [this.publisher, ...this.subscribers] : this.subscribers, CLOSE_TIMEOUT_MS);
  }

  /** `rate` publications per second, on schedule; a publisher whose socket backs up skips ahead. */
  private runPaced(rate: number): void {
    const ws = this.publisher!;
    const started = nowMs();
    let due = 0;
    const tick = () => {
      if (!this.recorder.running || ws.readyState !== ws.OPEN) return;
      const target = Math.floor(((nowMs() - started) * rate) / 1000) + 1;
      for (; due < target; due++) {
        if (ws.bufferedAmount >= MAX_PUBLISHER_BUFFER) continue;
        ws.send(this.payload.make(this.published++));
        this.recorder.sent();
      }
    };
    this.rateTimer = setInterval(tick, Math.max(1, Math.min(RATE_TICK_MS, 1000 / rate)));
    tick();
  }

  private publish(): void {
    const ws = this.publisher;
    if (!ws || !this.recorder.running) return;
    while (ws.readyState === ws.OPEN && this.published - this.acknowledged < this.plan.inFlight && ws.bufferedAmount < MAX_PUBLISHER_BUFFER) {
      ws.send(this.payload.make(this.published++));
      this.recorder.sent();
    }
  }

  private attachSubscriber(ws: WebSocket): void {
    const recorder = this.recorder;
    let expected = 0;
    let failed = false;
    ws.on('message', (data, isBinary) => {
      const header = readHeader(data, isBinary);
      if (header === null) return; // the server's own messages (a welcome, presence...) are not deliveries
      if (header.seq > expected && recorder.running) recorder.error('a subscriber missed messages (a gap in the sequence)');
      expected = header.seq + 1;
      recorder.completed(nowMs() - header.sentAt, data.length);
      if (ws === this.probe && this.publisher && this.plan.rate === 0) {
        this.acknowledged = Math.max(this.acknowledged, header.seq + 1);
        this.lastProgress = nowMs();
        this.publish();
      }
    });
    ws.on('error', (err) => {
      failed = true;
      recorder.error(err);
    });
    ws.on('close', (code) => {
      if (!failed) recorder.error(`the server closed a subscriber (code ${code})`);
    });
  }

  private attachPublisher(ws: WebSocket): void {
    let failed = false;
    ws.on('error', (err) => {
      failed = true;
      this.recorder.error(err);
    });
    ws.on('close', (code) => {
      if (!failed) this.recorder.error(`the server closed the publisher (code ${code})`);
    });
  }
}
