// Which transport the next attempt uses. A round goes down the list (the transport that
// last worked first, then the `transports` option's order) and moves on at once when an
// attempt fails before connecting; after a round in which all failed the Client waits
// out its backoff. The one that connects is remembered for the next page load
// (localStorage where there is one, else memory for the life of the process).

export type TransportName = 'websocket' | 'http-stream' | 'sse' | 'long-polling';

export const TRANSPORT_NAMES: readonly TransportName[] = ['websocket', 'http-stream', 'sse', 'long-polling'];

/** A remembered choice older than this is forgotten, so a network that blocked WebSocket once does not pin a browser to a fallback for ever. */
export const REMEMBER_MS = 24 * 3600 * 1000;

const memory = new Map<string, string>();

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function storage(): StorageLike {
  try {
    const local = (globalThis as { localStorage?: StorageLike }).localStorage;
    if (local !== undefined && local !== null) return local;
  } catch {
    // Access denied (sandboxed iframe, privacy settings): memory it is.
  }
  return { getItem: (key) => memory.get(key) ?? null, setItem: (key, value) => void memory.set(key, value) };
}

export class TransportChoice {
  private readonly order: TransportName[];
  private index = 0;
  /** Attempts failed in this round. */
  private failures = 0;
  private readonly key: string;

  /** `available`: the configured order, without those this runtime cannot open. */
  constructor(available: TransportName[], url: string, private readonly remember: boolean) {
    this.key = `volley.transport ${url}`;
    const remembered = remember ? recall(this.key) : undefined;
    this.order = remembered !== undefined && available.includes(remembered)
      ? [remembered, ...available.filter((name) => name !== remembered)]
      : [...available];
  }

  get current(): TransportName | undefined {
    return this.order[this.index];
  }

  /** The attempt with the current transport failed: true when the next one should be tried at once. */
  failed(): boolean {
    this.index = (this.index + 1) % this.order.length;
    if (++this.failures < this.order.length) return true;
    this.failures = 0;
    return false;
  }

  /** The current transport connected: it starts the next round, and is remembered. */
  succeeded(): void {
    this.failures = 0;
    if (!this.remember) return;
    try {
      storage().setItem(this.key, JSON.stringify({ transport: this.current, at: Date.now() }));
    } catch {
      // A full or refused storage only costs the next page a slower start.
    }
  }
}

function recall(key: string): TransportName | undefined {
  try {
    const { transport, at } = JSON.parse(storage().getItem(key) ?? 'null') as { transport: TransportName; at: number };
    return TRANSPORT_NAMES.includes(transport) && Date.now() - at < REMEMBER_MS ? transport : undefined;
  } catch {
    return undefined;
  }
}

/** `ws(s)://host/x/websocket` → `http(s)://host/x/`: where the HTTP transports' paths live. */
export function httpBase(url: string): string {
  const base = url.replace(/^ws(s?):/i, 'http$1:').replace(/[?#].*$/, '');
  return base.endsWith('/') ? base : base.slice(0, base.lastIndexOf('/') + 1);
}
