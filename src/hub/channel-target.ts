// A channel name checked against the grammar and resolved to its namespace: the first
// step of every channel operation (subscribe, publish, presence, history), from any side.

import { parseChannelName, type ChannelName } from './channel-name.js';
import { HubError } from './errors.js';
import type { Namespaces, ResolvedNamespace } from './namespaces.js';

export interface ChannelTarget {
  name: ChannelName;
  namespace: ResolvedNamespace;
}

/** An invalid name is a bad request (107); an unknown namespace is unknown_channel (102). */
export function resolveChannel(namespaces: Namespaces, channel: string): ChannelTarget {
  const name = parseChannelName(channel);
  if (name === undefined) throw new HubError('badRequest', 'invalid channel name');
  return { name, namespace: namespaces.get(name.namespace) };
}
