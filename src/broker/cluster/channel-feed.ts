// One subscribed channel on a networked broker: hands the engine's events to the hub in
// offset order, each publication once. Publications of a stream carry consecutive
// offsets, so the feed can tell a duplicate (offset already passed), the next one, and a
// gap. A gap appears when publications from different nodes cross on the way (NATS) or
// when the node lost its connection for a while (both engines); the feed then holds
// what arrived early and fills the gap from the stream's history. What history cannot
// supply is lost: the feed hands on a `gap` event and goes on after it.

import type { BrokerEvent, BrokerHandler, StreamPosition } from '../broker.js';
import type { ReceivedEvent } from './event-codec.js';

type PublicationEvent = Extract<BrokerEvent, { type: 'publication' }>;

/** Reads the publications after `since`, oldest first, with the stream's epoch. */
export type ReadSince = (since: StreamPosition) => Promise<{ epoch: string; events: PublicationEvent[] }>;

export interface ChannelFeedOptions {
  /** How long an out-of-order publication waits for the missing ones before history is read. */
  reorderWindowMs: number;
  /** Attempts to read history when filling a gap (the engine may be coming back). */
  fillAttempts: number;
  /** Pause between those attempts. */
  fillRetryMs: number;
}

export class ChannelFeed {
  /** The last publication handed on; undefined until the first one with an offset. */
  private position: StreamPosition | undefined;
  /** Set while a gap is open: events that wait for the gap to close. */
  private held: ReceivedEvent[] | undefined;
  private filling = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    readonly channel: string,
    private readonly handler: BrokerHandler,
    private readonly readSince: ReadSince,
    private readonly options: ChannelFeedOptions,
  ) {}

  /**
   * A position read from the stream after the engine subscription was confirmed. It is
   * used only when no publication has arrived yet, as the place to resume from after a
   * reconnect; it never causes a live publication to be dropped.
   */
  seed(position: StreamPosition): void {
    if (this.position === undefined && position.epoch !== '') this.position = { ...position };
  }

  push(received: ReceivedEvent): void {
    if (this.closed) return;
    if (this.held !== undefined) {
      this.held.push(received);
      if (!this.filling) this.drainHeld(false);
      return;
    }
    if (this.accept(received)) return;
    this.held = [received];
    this.timer = setTimeout(() => void this.fill(), this.options.reorderWindowMs);
  }

  /** The engine connection came back: whatever was published meanwhile is read from history. */
  resync(): void {
    if (this.closed || this.position === undefined) return;
    if (this.held === undefined) this.held = [];
    if (this.filling) return;
    clearTimeout(this.timer);
    void this.fill();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.held = undefined;
  }

  /** Hands the event on unless it is ahead of a gap; duplicates are dropped. */
  private accept({ event, epoch }: ReceivedEvent): boolean {
    if (event.type !== 'publication' || event.publication.offset === 0) {
      this.handler(event);
      return true;
    }
    const offset = event.publication.offset;
    // The first publication of a stream tells subscribers its epoch (see BrokerPublication).
    if (offset === 1 && epoch !== '') event.publication.epoch = epoch;
    const position = this.position;
    if (position === undefined || position.epoch !== epoch) {
      // First publication seen, or the stream was reset: start following the new epoch.
      this.position = { epoch, offset };
      this.handler(event);
      return true;
    }
    if (offset <= position.offset) return true;
    if (offset !== position.offset + 1) return false;
    position.offset = offset;
    this.handler(event);
    return true;
  }

  /** Delivers held events that now follow in order; with `force`, skips over what is still missing. */
  private drainHeld(force: boolean): void {
    const held = this.held;
    if (held === undefined) return;
    held.sort((x, y) => offsetOf(x) - offsetOf(y));
    let done = 0;
    for (; done < held.length; done++) {
      const next = held[done]!;
      if (this.accept(next)) continue;
      if (!force) break;
      // History could not supply the missing publications (trimmed, expired or the
      // engine is still away): accept the loss rather than stall the channel, and say so
      // first, so that subscribers recover what history still holds or learn they cannot.
      this.position = undefined;
      this.handler({ type: 'gap', channel: this.channel, next: offsetOf(next) });
      this.accept(next);
    }
    if (done < held.length) {
      held.splice(0, done);
      return;
    }
    this.held = undefined;
    clearTimeout(this.timer);
  }

  private async fill(): Promise<void> {
    if (this.closed || this.held === undefined) return;
    this.filling = true;
    for (let attempt = 0; attempt < this.options.fillAttempts && this.position !== undefined; attempt++) {
      try {
        const missed = await this.readSince({ ...this.position });
        if (this.closed) return;
        // Held with the rest, not accepted here: history that was trimmed in the middle of
        // the gap still holds the later ones, which follow the gap event below.
        for (const event of missed.events) this.held!.push({ event, epoch: missed.epoch });
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, this.options.fillRetryMs));
        if (this.closed) return;
      }
    }
    this.filling = false;
    this.drainHeld(true);
  }
}

function offsetOf({ event }: ReceivedEvent): number {
  return event.type === 'publication' ? event.publication.offset : 0;
}
