// Which node runs a match: a lease kept in the broker, so that on a cluster exactly one node
// ticks each match and every node agrees which one. Built on the Broker interface only.
//
// The lease of match M is a stream with history, `volley.game lease M`. A node writes an
// entry {n: node, t: its clock, p: the top offset it read}. The broker gives offsets
// atomically (Redis script, NATS compare-and-append, memory), so an entry COUNTS only when
// p is its own offset - 1: nothing was written between the writer's read and its write.
// That is compare-and-set: of two nodes claiming at once, one entry counts. The holder is
// the node of the newest counted entry, until t + leaseMs (or nobody, for a release).
// A node writes only to claim a lease that is free or expired, to renew its own, or to
// release it. Clocks of the nodes must agree to well within leaseMs (one machine, NTP).

import type { Broker, HistoryRetention } from '../../broker/broker.js';

export interface LeaseState {
  /** The node holding the lease, if anyone holds it now. */
  holder: string | undefined;
  /** Until when (the writer's clock) the holder holds it. */
  until: number;
}

interface Entry {
  n: string;
  t: number;
  p: number;
  /** A release: nobody holds the lease after it. */
  r?: 1;
}

/** Entries read back to find the newest one that counts (more than racing writers ever leave). */
const READ_BACK = 16;

export function leaseChannel(match: string): string {
  return `volley.game lease ${match}`;
}

export class MatchLeases {
  private readonly retention: HistoryRetention;

  constructor(
    private readonly broker: Broker,
    readonly nodeId: string,
    private readonly leaseMs: number,
    private readonly now: () => number,
  ) {
    // Forgotten by the broker a minute (20 leases) after the last write: a new stream then
    // starts at offset 1, which the compare-and-set above handles like any other.
    this.retention = { size: READ_BACK * 2, ttlMs: leaseMs * 20, metaTtlMs: leaseMs * 20 };
  }

  async read(match: string): Promise<LeaseState & { top: number }> {
    const history = await this.broker.history(leaseChannel(match), { limit: READ_BACK, direction: 'backward' });
    for (const publication of history.publications) {
      const entry = parseEntry(publication.data);
      if (entry === undefined || entry.p !== publication.offset - 1) continue;
      if (entry.r === 1) break;
      const until = entry.t + this.leaseMs;
      return { holder: this.now() < until ? entry.n : undefined, until, top: history.offset };
    }
    return { holder: undefined, until: 0, top: history.offset };
  }

  /**
   * Claims the lease if it is free or expired, or renews it if this node holds it. Resolves
   * with the state after the attempt: `holder === nodeId` means this node holds it.
   */
  async acquire(match: string): Promise<LeaseState> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const state = await this.read(match);
      if (state.holder !== undefined && state.holder !== this.nodeId) return state;
      const t = this.now();
      if (await this.write(match, { n: this.nodeId, t, p: state.top })) return { holder: this.nodeId, until: t + this.leaseMs };
    }
    return this.read(match);
  }

  /** Gives the lease up, if this node holds it. */
  async release(match: string): Promise<void> {
    const state = await this.read(match);
    if (state.holder === this.nodeId) await this.write(match, { n: this.nodeId, t: this.now(), p: state.top, r: 1 });
  }

  private async write(match: string, entry: Entry): Promise<boolean> {
    const position = await this.broker.publish(leaseChannel(match), JSON.stringify(entry), { history: this.retention });
    return position.offset === entry.p + 1;
  }
}

function parseEntry(data: string): Entry | undefined {
  try {
    const entry = JSON.parse(data) as Partial<Entry>;
    if (typeof entry.n !== 'string' || typeof entry.t !== 'number' || typeof entry.p !== 'number') return undefined;
    return entry as Entry;
  } catch {
    return undefined;
  }
}
