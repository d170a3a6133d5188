import type { WebSocket } from './websocket.js';

/**
 * One timer for every connection of a server: each tick terminates the connections that
 * did not answer the previous ping (nor sent anything) and pings the others. A connection
 * costs a flag, not a timer.
 */
export class Heartbeat {
  private readonly members = new Set<WebSocket>();
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  add(ws: WebSocket): void {
    ws.isAlive = true;
    this.members.add(ws);
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
  }

  delete(ws: WebSocket): void {
    this.members.delete(ws);
    if (this.members.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** @internal Exposed for tests: one beat of the wheel. */
  tick(): void {
    for (const ws of this.members) {
      if (ws.readyState !== ws.OPEN) continue;
      if (!ws.isAlive) {
        ws.terminate();
        continue;
      }
      ws.isAlive = false;
      ws.ping();
    }
  }
}
