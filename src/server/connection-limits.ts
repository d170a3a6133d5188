// Counts open connections, in total and per remote address, and says when a new one is
// over a limit. A connection is counted from its first byte (owned servers count every TCP
// connection; attached ones count their WebSocket upgrades) until its socket closes.

import type { Duplex } from 'node:stream';

export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Loopback peers are not held to the per-address cap (they still count in the total). */
  exemptLoopback: boolean;
}

/** Why a connection was refused. */
export type Refusal = 'total' | 'address';

type PeerSocket = Duplex & { remoteAddress?: string | undefined };

export class ConnectionLimiter {
  private open = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly counted = new WeakSet<object>();
  private refusedCount = 0;

  constructor(private readonly limits: ConnectionLimits) {}

  /** Connections counted now. */
  get connections(): number {
    return this.open;
  }

  /** Connections refused since the start. */
  get refused(): number {
    return this.refusedCount;
  }

  /**
   * Counts `socket` until it closes and returns undefined, or returns why it is over a limit
   * (it is then not counted; the caller answers 503). A socket already counted passes.
   */
  admit(socket: PeerSocket): Refusal | undefined {
    if (this.counted.has(socket)) return undefined;
    if (this.open >= this.limits.maxConnections) return this.refuse('total');
    const address = socket.remoteAddress ?? '';
    const perAddress = !(this.limits.exemptLoopback && isLoopback(address));
    const fromAddress = perAddress ? (this.byAddress.get(address) ?? 0) : 0;
    if (perAddress && fromAddress >= this.limits.maxConnectionsPerAddress) return this.refuse('address');

    this.counted.add(socket);
    this.open++;
    if (perAddress) this.byAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      this.open--;
      if (!perAddress) return;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left === 0) this.byAddress.delete(address);
      else this.byAddress.set(address, left);
    });
    return undefined;
  }

  /**
   * Counts something that holds a place without a socket of its own (an HTTP transport
   * session between its requests) under `address`; returns its release, or why it is over a limit.
   */
  lease(address: string): (() => void) | Refusal {
    if (this.open >= this.limits.maxConnections) return this.refuse('total');
    const perAddress = !(this.limits.exemptLoopback && isLoopback(address));
    const fromAddress = perAddress ? (this.byAddress.get(address) ?? 0) : 0;
    if (perAddress && fromAddress >= this.limits.maxConnectionsPerAddress) return this.refuse('address');
    this.open++;
    if (perAddress) this.byAddress.set(address, fromAddress + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      if (!perAddress) return;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left === 0) this.byAddress.delete(address);
      else this.byAddress.set(address, left);
    };
  }

  private refuse(why: Refusal): Refusal {
    this.refusedCount++;
    return why;
  }
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
