// The bridge's one seam to the rest of Volley: everything it needs from the hub goes
// through BridgeHost, and this file is the only one of bridges/mqtt that imports hub/.

import type { Hub } from '../../hub/hub.js';
import { HubError } from '../../hub/errors.js';
import { parseChannelName } from '../../hub/channel-name.js';
import { isTemporary, type ClientInfo } from '../../wire/index.js';

export { HubError, parseChannelName };

/** A publication accepted on this node, seen before the broker publish (see Hub.addPublishInterceptor). */
export interface BridgePublication {
  channel: string;
  data: unknown;
  info?: ClientInfo;
  source: 'client' | 'api' | 'server';
  tag?: string;
}

export interface BridgeHost {
  /** Server-side publish into a channel; `tag` reaches the interceptors unchanged. */
  publish(channel: string, data: unknown, options: { tag: string }): Promise<void>;
  /** Sees every publication accepted on this node; a thrown HubError refuses it. Returns a remover. */
  addPublishInterceptor(fn: (publication: BridgePublication) => void | Promise<void>): () => void;
  /** Largest JSON-encoded publication data, bytes (the hub's maxPublicationSize). */
  readonly maxPublicationSize: number;
  /** Whether the channel's namespace keeps history; throws (HubError) when the namespace is unknown. */
  keepsHistory(channel: string): boolean;
}

export function hubBridgeHost(hub: Hub): BridgeHost {
  return {
    publish: async (channel, data, { tag }) => {
      await hub.publish(channel, data, { tag });
    },
    addPublishInterceptor: (fn) => hub.addPublishInterceptor(fn),
    maxPublicationSize: hub.options.limits.maxPublicationSize,
    keepsHistory: (channel) => hub.channelOptions(channel).historySize > 0,
  };
}

/** Whether a publish failed for a reason that passes (engine down) rather than for good (bad channel). */
export function isTemporaryPublishError(error: unknown): boolean {
  if (error instanceof HubError) return isTemporary(error.code);
  return true;
}

