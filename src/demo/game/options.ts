// The game service's limits and rates, with their defaults (docs/use-cases.md lists them).

import type { NodeLink } from '../../broker/cluster/node-link.js';
import type { NamespaceOptions } from '../../hub/namespaces.js';
import type { MatchRules } from './match.js';

export interface GameOptions {
  /** Ticks per second of every match. Default 20. */
  tickHz?: number;
  /** Players in one match at once (a disconnected one still counts), at most 255. Default 16. */
  maxPlayers?: number;
  /** Matches at once on this node. Default 50. */
  maxMatches?: number;
  /** How long a disconnected player keeps their state. Default 10000 ms. */
  graceMs?: number;
  /** A match with no player online this long is stopped. Default 60000 ms. */
  idleMs?: number;
  /** How often presence is read to notice dropped players. Default 1000 ms. */
  presenceCheckMs?: number;
  /** Arena units per second at full input. Default 200. */
  speed?: number;
  /** Items on the floor at most (at most 255). Default 8. */
  maxItems?: number;
  /** game.input and game.say calls per second per player (the hub limits publications, not rpcs). Default 30. */
  inputRate?: number;
  /** Calls a player may make at once above that rate. Default 60. */
  inputBurst?: number;
  /**
   * How long a node's hold on a match lasts without renewal (renewed every third of it):
   * on a cluster, another node takes a match over this long after its node died. Default 3000 ms.
   */
  leaseMs?: number;
  /** How long a node waits for the node running a match to answer a forwarded call (then 117). Default 3000 ms. */
  forwardTimeoutMs?: number;
  /**
   * The server's node link (`server.nodeLink`, there on a shared broker once the server is
   * ready): the game registers its calls on it and uses its node id. Default: a link of the
   * game's own, with `nodeId`.
   */
  nodeLink?: NodeLink | undefined;
  /** This node's name in the match leases when the game makes its own link. Default: random. */
  nodeId?: string;
  /** The server clock (tests pass their own). */
  now?: () => number;
}

export type ResolvedGameOptions = Required<Omit<GameOptions, 'now' | 'nodeId' | 'nodeLink'>> & { now: () => number; nodeId: string | undefined };

export function resolveGameOptions(options: GameOptions = {}): ResolvedGameOptions {
  const resolved = {
    tickHz: options.tickHz ?? 20,
    maxPlayers: options.maxPlayers ?? 16,
    maxMatches: options.maxMatches ?? 50,
    graceMs: options.graceMs ?? 10_000,
    idleMs: options.idleMs ?? 60_000,
    presenceCheckMs: options.presenceCheckMs ?? 1_000,
    speed: options.speed ?? 200,
    maxItems: options.maxItems ?? 8,
    inputRate: options.inputRate ?? 30,
    inputBurst: options.inputBurst ?? 60,
    leaseMs: options.leaseMs ?? 3_000,
    forwardTimeoutMs: options.forwardTimeoutMs ?? 3_000,
    nodeId: options.nodeId,
    now: options.now ?? Date.now,
  };
  if (!(resolved.tickHz >= 1 && resolved.tickHz <= 120)) throw new RangeError('game tickHz must be between 1 and 120');
  for (const key of ['maxPlayers', 'maxMatches', 'graceMs', 'idleMs', 'presenceCheckMs', 'speed', 'maxItems', 'inputRate', 'inputBurst', 'leaseMs', 'forwardTimeoutMs'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 0) throw new RangeError(`game ${key} must be a number >= 0`);
  }
  // The binary delta counts players and items in one byte each (delta-codec.ts).
  if (resolved.maxPlayers > 255 || resolved.maxItems > 255) throw new RangeError('game maxPlayers and maxItems must be at most 255');
  if (resolved.leaseMs < 300) throw new RangeError('game leaseMs must be at least 300');
  return resolved;
}

export function matchRules(options: ResolvedGameOptions): MatchRules {
  return { tickHz: options.tickHz, speed: options.speed, maxItems: options.maxItems, spawnEveryTicks: options.tickHz, graceMs: options.graceMs };
}

/** `game:*`: presence (who is in a match), only the server publishes (deltas and chat), no history. */
export const GAME_NAMESPACE_OPTIONS: Readonly<NamespaceOptions> = {
  presence: true,
  joinLeave: true,
  publish: 'server',
};
