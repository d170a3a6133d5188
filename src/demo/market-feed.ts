// A simulated market: each symbol's price takes a small random step every tick, and every
// tick of every symbol is published by the server to MARKET_CHANNEL.

import { MARKET_CHANNEL, type MarketTick } from './protocol.js';

export interface MarketFeedOptions {
  /** Symbols and their opening prices. Default: DEFAULT_SYMBOLS. */
  symbols?: Readonly<Record<string, number>>;
  /** Ticks per second of each symbol. Default 10. */
  ticksPerSecond?: number;
  /** Largest step of one tick, as a fraction of the price. Default 0.0005 (0.05 %). */
  volatility?: number;
  /** Random numbers in [0, 1); tests inject their own. Default Math.random. */
  random?: () => number;
}

export const DEFAULT_SYMBOLS: Readonly<Record<string, number>> = {
  VOLY: 120,
  ACME: 48.5,
  NOVA: 310,
  ZETA: 42.1,
  KITE: 75,
};

type Publish = (channel: string, data: unknown) => Promise<unknown>;

export class MarketFeed {
  private readonly prices: Map<string, number>;
  private readonly volatility: number;
  private readonly random: () => number;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly publish: Publish,
    options: MarketFeedOptions = {},
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    const ticksPerSecond = options.ticksPerSecond ?? 10;
    if (!(ticksPerSecond > 0 && ticksPerSecond <= 1_000)) throw new RangeError('ticksPerSecond must be in (0, 1000]');
    this.prices = new Map(Object.entries(options.symbols ?? DEFAULT_SYMBOLS));
    this.volatility = options.volatility ?? 0.0005;
    this.random = options.random ?? Math.random;
    this.timer = setInterval(() => this.tick(), 1_000 / ticksPerSecond);
    // The feed must never keep a process alive on its own.
    this.timer.unref();
  }

  /** The latest price of every symbol, in cents as published. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.prices].map(([symbol, price]) => [symbol, roundPrice(price)]));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One step of every symbol, published. */
  tick(): void {
    const time = Date.now();
    for (const [symbol, price] of this.prices) {
      // The walk keeps full precision; only the published price is in cents.
      const next = Math.max(0.01, price * (1 + (this.random() * 2 - 1) * this.volatility));
      this.prices.set(symbol, next);
      const tick: MarketTick = { symbol, price: roundPrice(next), time };
      this.publish(MARKET_CHANNEL, tick).catch(this.onError);
    }
  }
}

function roundPrice(price: number): number {
  return Math.round(price * 100) / 100;
}
