// A memory broker node that loses a channel's publications on their way to it while
// `dropping`, then hands on a `gap` event before the first one it receives again: what a
// networked broker's ChannelFeed does when history cannot fill what it missed.
import type { BrokerEvent, BrokerHandler } from '../../src/broker/broker.js';
import { MemoryBroker } from '../../src/broker/memory.js';

export class LossyBroker extends MemoryBroker {
  dropping = false;
  private readonly lost = new Set<string>();

  override subscribe(channel: string, handler: BrokerHandler): Promise<void> {
    return super.subscribe(channel, (event: BrokerEvent) => {
      if (event.type !== 'publication') return handler(event);
      if (this.dropping) {
        this.lost.add(channel);
        return;
      }
      if (this.lost.delete(channel)) handler({ type: 'gap', channel, next: event.publication.offset });
      handler(event);
    });
  }
}
