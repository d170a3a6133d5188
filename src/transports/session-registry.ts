// The bidirectional sessions this node holds, by id, and the one shared tick that drives
// their heartbeats, poll timeouts and grace periods (no timer per session).

import { HttpSession, type SessionHost } from './http-session.js';
import type { ResolvedTransportOptions } from './options.js';
import type { WireFormat } from './wire-format.js';

export class SessionRegistry {
  private readonly sessions = new Map<string, HttpSession>();
  private readonly releases = new Map<HttpSession, () => void>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly host: SessionHost;
  /** Period of the shared tick: a quarter of the shortest deadline, 25 ms to 1 s. */
  readonly tickMs: number;

  constructor(
    readonly options: ResolvedTransportOptions,
    readonly now: () => number = Date.now,
  ) {
    this.host = { options, now, finished: (session) => this.forget(session) };
    const shortest = Math.min(options.heartbeatMs, options.pollTimeoutMs, options.sessionGraceMs);
    this.tickMs = Math.max(25, Math.min(1_000, Math.floor(shortest / 4)));
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): HttpSession | undefined {
    return this.sessions.get(id);
  }

  /** A new session; `release` runs once when it is forgotten (it frees its place in the caps). */
  create(id: string, format: WireFormat, release: () => void): HttpSession {
    const session = new HttpSession(id, format, this.host);
    this.sessions.set(id, session);
    this.releases.set(session, release);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
    return session;
  }

  /** Runs the shared tick once (the timer does; tests with a fake clock call it). */
  tick(): void {
    const now = this.now();
    for (const session of this.sessions.values()) session.tick(now);
  }

  /** Closes every session with `code` (attached responses get the close) and forgets them. */
  closeAll(code: number, reason: string): void {
    for (const session of [...this.sessions.values()]) session.shutdown(code, reason);
    this.stop();
  }

  private forget(session: HttpSession): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    const release = this.releases.get(session);
    this.releases.delete(session);
    release?.();
    if (this.sessions.size === 0) this.stop();
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
