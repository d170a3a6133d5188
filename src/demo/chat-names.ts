// Display names for the chat's presence list. Demo connections are anonymous, so presence
// knows only client ids; each page registers its name with an rpc, and `who` maps a
// room's presence to names. Names are per node: on a cluster, members connected to
// another node show without a name.

import type { Hub, RpcCall } from '../hub/hub.js';
import { HubError } from '../hub/errors.js';
import {
  MAX_NAME_LENGTH, ROOM_PATTERN, RPC_HELLO, RPC_WHO, chatChannel, cleanText,
  type HelloResult, type WhoResult,
} from './protocol.js';

export interface ChatNamesOptions {
  /** Most names remembered at once; the oldest go first. Default 10000. */
  maxNames?: number;
  /** How often names of clients gone from every room are forgotten. Default 60000 ms. */
  pruneIntervalMs?: number;
}

export interface ChatNames {
  stop(): void;
}

interface NameEntry {
  name: string;
  at: number;
}

export function registerChatNames(hub: Hub, options: ChatNamesOptions = {}): ChatNames {
  const maxNames = options.maxNames ?? 10_000;
  const pruneInterval = options.pruneIntervalMs ?? 60_000;
  // Insertion order is age order: Map iteration gives the oldest first.
  const names = new Map<string, NameEntry>();
  const rooms = new Set<string>();

  hub.registerRpc(RPC_HELLO, (call: RpcCall): HelloResult => {
    const raw = (call.data as { name?: unknown } | null)?.name;
    if (typeof raw !== 'string') throw new HubError('badRequest', 'name must be a string');
    const name = cleanText(raw, MAX_NAME_LENGTH);
    if (name === '') throw new HubError('badRequest', 'name must not be empty');
    names.delete(call.client);
    names.set(call.client, { name, at: Date.now() });
    if (names.size > maxNames) names.delete(names.keys().next().value!);
    return { name };
  });

  hub.registerRpc(RPC_WHO, async (call: RpcCall): Promise<WhoResult> => {
    const room = (call.data as { room?: unknown } | null)?.room;
    if (typeof room !== 'string' || !ROOM_PATTERN.test(room)) throw new HubError('badRequest', 'invalid room');
    rooms.add(room);
    const present = await hub.presence(chatChannel(room));
    const members = Object.values(present).map((info) => ({ client: info.client, name: names.get(info.client)?.name ?? '' }));
    return { members };
  });

  // Forget names whose client is in no room any more; a name newer than one interval may
  // belong to a client that has not subscribed yet, so it stays.
  const prune = async () => {
    const present = new Set<string>();
    for (const room of rooms) {
      const clients = Object.values(await hub.presence(chatChannel(room)));
      if (clients.length === 0) rooms.delete(room);
      for (const info of clients) present.add(info.client);
    }
    const cutoff = Date.now() - pruneInterval;
    for (const [client, entry] of names) {
      if (entry.at < cutoff && !present.has(client)) names.delete(client);
    }
  };
  const timer = setInterval(() => prune().catch((error: unknown) => hub.reportInternalError(error)), pruneInterval);
  timer.unref();

  return {
    stop() {
      clearInterval(timer);
      hub.registerRpc(RPC_HELLO, () => {
        throw new HubError('notAvailable', 'the demo has stopped');
      });
      hub.registerRpc(RPC_WHO, () => {
        throw new HubError('notAvailable', 'the demo has stopped');
      });
    },
  };
}
