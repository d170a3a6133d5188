// Keeps the connection token fresh: fetches a new one with `getToken` before the current
// one expires and hands it to the server (`refresh`). A failed refresh is retried with
// backoff; the connection stays as it is until the token really expires (then the server
// closes it with 3502 and the client reconnects with a new token).

import type { RefreshResult } from '../wire/index.js';
import { unrefTimer } from './liveness.js';

export interface TokenRefresherOptions {
  getToken: (() => Promise<string>) | undefined;
  refreshBeforeMs: number;
  /** Sends `refresh` with the new token on the current connection. */
  refresh(token: string): Promise<RefreshResult>;
  retryDelay(attempt: number): number;
  /** A refresh failed; it is tried again after `retryInMs`. */
  onError(error: unknown, retryInMs: number): void;
}

export class TokenRefresher {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private generation = 0;

  constructor(private readonly options: TokenRefresherOptions) {}

  /** Plans the refresh of a token that expires at `expiresSec` (Unix seconds). */
  schedule(expiresSec: number): void {
    this.stop();
    if (this.options.getToken === undefined) return;
    const untilExpiry = Math.max(0, expiresSec * 1000 - Date.now());
    // Refresh refreshBeforeMs ahead, but never in the first half of a short token's life:
    // a token of a few seconds would otherwise be refreshed in a tight loop.
    const lead = Math.min(this.options.refreshBeforeMs, untilExpiry / 2);
    this.arm(untilExpiry - lead);
  }

  stop(): void {
    this.generation += 1;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(delayMs: number): void {
    const generation = this.generation;
    this.timer = setTimeout(() => void this.refresh(generation), delayMs);
    unrefTimer(this.timer);
  }

  private async refresh(generation: number): Promise<void> {
    this.timer = undefined;
    try {
      const token = await this.options.getToken!();
      if (generation !== this.generation) return;
      if (typeof token !== 'string' || token === '') throw new Error('getToken returned no token');
      const result = await this.options.refresh(token);
      if (generation !== this.generation) return;
      this.attempt = 0;
      if (result.expires !== undefined) this.schedule(result.expires);
    } catch (error) {
      if (generation !== this.generation) return;
      const retryInMs = this.options.retryDelay(this.attempt++);
      this.arm(retryInMs);
      this.options.onError(error, retryInMs);
    }
  }
}
