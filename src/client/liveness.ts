// Liveness with one timer per client. Browsers cannot see WebSocket pings, so the client
// listens to the connection itself: anything received proves the server is there. After
// `intervalMs` of silence it sends an application `ping` (whose reply is traffic too);
// after `timeoutMs` more it declares the connection dead, long before TCP would notice.

export class Liveness {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastReceived = 0;
  private pinged = false;

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly sendPing: () => void,
    private readonly onDead: () => void,
  ) {}

  /** Starts watching a fresh connection. `intervalMs` 0 disables the watch. */
  start(): void {
    this.stop();
    if (this.intervalMs <= 0) return;
    this.lastReceived = Date.now();
    this.pinged = false;
    this.schedule(this.intervalMs);
  }

  /** Something arrived. Cheap on purpose: it runs for every message. */
  touch(): void {
    this.lastReceived = Date.now();
    this.pinged = false;
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    this.timer = undefined;
    const silent = Date.now() - this.lastReceived;
    if (silent >= this.intervalMs + this.timeoutMs) {
      this.onDead();
      return;
    }
    if (silent >= this.intervalMs && !this.pinged) {
      this.pinged = true;
      this.sendPing();
    }
    const next = this.pinged ? this.intervalMs + this.timeoutMs : this.intervalMs;
    this.schedule(Math.max(0, next - silent));
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.check(), ms);
    unrefTimer(this.timer);
  }
}

/** In Node a pending liveness or refresh timer should not keep a process alive. */
export function unrefTimer(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}
