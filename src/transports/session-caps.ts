// The places for sessions on this node: maxSessions of the transports, and the server's
// connection caps (total and per address), which a session counts against like a socket.

import { refusals, type TransportError } from './http-answers.js';

/** Counts one session against the server's caps; returns its release, or undefined when over a cap. */
export type AdmitSession = (remoteAddress: string) => (() => void) | undefined;

export class SessionCaps {
  private open = 0;
  private refusedCount = 0;

  constructor(
    private readonly maxSessions: number,
    private readonly admit: AdmitSession | undefined,
  ) {}

  get sessions(): number {
    return this.open;
  }

  get refused(): number {
    return this.refusedCount;
  }

  /** Takes a place (its release frees it, once) or the 503 that refuses it. */
  take(remoteAddress: string): (() => void) | TransportError {
    if (this.open >= this.maxSessions) return this.refuse();
    const release = this.admit === undefined ? () => {} : this.admit(remoteAddress);
    if (release === undefined) return this.refuse();
    this.open += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open -= 1;
      release();
    };
  }

  private refuse(): TransportError {
    this.refusedCount += 1;
    return refusals.tooManySessions();
  }
}
