// Presence on a NATS JetStream KV bucket: one key per channel and client
// ("<channel>.<client>") holding the client's info and the time it expires, in the
// broker's clock. Reading a channel's presence watches its keys' last values once. An
// entry that is not refreshed is ignored after its expiry and removed by the bucket's
// max age, so a dead node's clients leave presence without anyone cleaning up.

import type { KV } from 'nats';
import type { ClientInfo } from '../broker.js';
import type { NatsNames } from './nats-names.js';

interface Entry {
  info: ClientInfo;
  expiresAt: number;
}

export class NatsPresence {
  constructor(
    private readonly bucket: KV,
    private readonly names: NatsNames,
    private readonly now: () => number,
  ) {}

  async add(channel: string, info: ClientInfo, ttlMs: number): Promise<void> {
    const entry: Entry = { info, expiresAt: this.now() + ttlMs };
    await this.bucket.put(this.names.presenceKey(channel, info.client), JSON.stringify(entry));
  }

  async remove(channel: string, clientId: string): Promise<void> {
    await this.bucket.delete(this.names.presenceKey(channel, clientId));
  }

  async list(channel: string): Promise<Record<string, ClientInfo>> {
    const prefix = `${this.names.channelKey(channel)}.`;
    const byKey = new Map<string, ClientInfo>();
    let initialized = false;
    let stop = () => {};
    const watcher = await this.bucket.watch({
      key: `${prefix}*`,
      // Called once the last values present at the start have been delivered.
      initializedFn: () => {
        initialized = true;
        stop();
      },
    });
    stop = () => watcher.stop();
    const time = this.now();
    if (!initialized) {
      for await (const kvEntry of watcher) {
        if (kvEntry.operation !== 'PUT') {
          byKey.delete(kvEntry.key);
          continue;
        }
        const entry = JSON.parse(kvEntry.string()) as Entry;
        if (entry.expiresAt > time) byKey.set(kvEntry.key, entry.info);
        else byKey.delete(kvEntry.key);
      }
    }
    watcher.stop();
    const clients: Record<string, ClientInfo> = {};
    for (const info of byKey.values()) clients[info.client] = info;
    return clients;
  }
}
