// Whether the broker can be reached, for /readyz, the broker metrics and the "broker lost /
// back" log events: one ping (Broker.ping, a Redis PING or a NATS flush) every interval, on
// one timer per server. A ping that fails or takes longer than the interval marks the broker
// lost; the next one that answers marks it back. A broker without ping counts as reachable.

import type { Broker } from '../broker/broker.js';

export interface BrokerProbeEvents {
  roundTrip(seconds: number): void;
  lost(error: Error): void;
  back(downMs: number): void;
}

export class BrokerProbe {
  private up = true;
  private downSince = 0;
  private inFlight = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly intervalMs: number,
    private readonly events: BrokerProbeEvents,
  ) {}

  /** True until a probe fails, and again once one answers. */
  get reachable(): boolean {
    return this.up;
  }

  /** Probes now, then every interval (no timer with interval 0 or a broker without ping). */
  start(): void {
    if (this.timer !== undefined || this.intervalMs === 0 || this.broker.ping === undefined) return;
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
    void this.probe();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One probe; a probe still waiting for its answer is not overtaken by another. */
  async probe(): Promise<void> {
    if (this.inFlight || this.broker.ping === undefined) return;
    this.inFlight = true;
    const started = performance.now();
    try {
      await withinMs(this.broker.ping(), this.intervalMs || 1_000);
      this.events.roundTrip((performance.now() - started) / 1000);
      if (!this.up) {
        this.up = true;
        this.events.back(Date.now() - this.downSince);
      }
    } catch (error) {
      if (this.up && this.timer !== undefined) {
        this.up = false;
        this.downSince = Date.now();
        this.events.lost(error instanceof Error ? error : new Error(String(error)));
      }
    } finally {
      this.inFlight = false;
    }
  }
}

function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
