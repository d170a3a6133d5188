// The game on a hub: rpcs game.join / game.input / game.say, on one node or a cluster.
// Each match runs on exactly one node, the holder of its lease in the broker (lease.ts);
// a call arriving on another node is forwarded to the holder with the broker's NodeLink
// and answered from there. The holder publishes the binary deltas on `game:MATCH`, which
// reach the players of every node through the channel. It renews its lease every third
// of leaseMs and saves the match's state in the broker; if it dies, the next call (or the
// watch of a node whose players are in the match) finds the lease expired, takes it, and
// carries on from the saved state (at most a third of leaseMs old).

import { randomBytes } from 'node:crypto';
import type { Broker, HistoryRetention } from '../../broker/broker.js';
import { NodeLink, NodeLinkError } from '../../broker/cluster/node-link.js';
import type { Hub, RpcCall } from '../../hub/hub.js';
import { HubError } from '../../hub/errors.js';
import { WireErrorCode, type WireErrorCodeKey } from '../../wire/index.js';
import { MatchLeases } from './lease.js';
import type { SavedMatch } from './match.js';
import { OwnedMatch, type GameCall, type OwnedMatchHost, type TickObserver } from './owned-match.js';
import { resolveGameOptions, type GameOptions, type ResolvedGameOptions } from './options.js';
import { RPC_GAME_INPUT, RPC_GAME_JOIN, RPC_GAME_SAY, type GameSnapshot, type JoinResult } from './protocol.js';
import { inputParams, joinParams, sayParams } from './validate.js';

export type { TickObserver } from './owned-match.js';

/** A forwarded call's answer: the result, or the error with its wire code. */
type Reply = { ok: JoinResult | null } | { error: { code: number; message: string } };

const FORWARD = 'game.call';

export function savedStateChannel(match: string): string {
  return `volley.game state ${match}`;
}

export class GameService {
  readonly nodeId: string;
  private readonly options: ResolvedGameOptions;
  private readonly broker: Broker;
  private readonly link: NodeLink;
  private readonly ownLink: boolean;
  private readonly leases: MatchLeases;
  private readonly ready: Promise<void>;
  /** The matches this node runs. */
  private readonly owned = new Map<string, OwnedMatch>();
  /** Matches run elsewhere that this node's players call into: the holder, and when it was last used. */
  private readonly remote = new Map<string, { holder: string; checkedAt: number; usedAt: number }>();
  /** Matches being started here (lease taken, saved state being read). */
  private readonly starting = new Map<string, Promise<OwnedMatch | undefined>>();
  private readonly timer: NodeJS.Timeout;
  private readonly savedRetention: HistoryRetention;
  private readonly matchHost: OwnedMatchHost;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  onTick: TickObserver | undefined;

  constructor(private readonly hub: Hub, options: GameOptions = {}) {
    this.options = resolveGameOptions(options);
    this.broker = hub.broker;
    // The server's link when given (one per node); else one of the game's own.
    this.ownLink = options.nodeLink === undefined;
    this.link = options.nodeLink ?? new NodeLink(this.broker, this.options.nodeId ?? `game-${randomBytes(6).toString('base64url')}`);
    this.nodeId = this.link.nodeId;
    this.leases = new MatchLeases(this.broker, this.nodeId, this.options.leaseMs, this.options.now);
    this.link.handle(FORWARD, (body) => this.answer(body as GameCall));
    this.ready = this.link.start();
    this.ready.catch((error: unknown) => hub.reportInternalError(error));
    const keepSaved = Math.max(this.options.idleMs, this.options.graceMs) * 2;
    this.savedRetention = { size: 1, ttlMs: keepSaved, metaTtlMs: keepSaved };
    hub.registerRpc(RPC_GAME_JOIN, (call) => this.route(call, { op: 'join', user: call.user, client: call.client, params: joinParams(call.data) }));
    hub.registerRpc(RPC_GAME_INPUT, (call) => this.route(call, { op: 'input', user: call.user, client: call.client, params: inputParams(call.data) }));
    hub.registerRpc(RPC_GAME_SAY, (call) => this.route(call, { op: 'say', user: call.user, client: call.client, params: sayParams(call.data) }));
    const observer = (): TickObserver | undefined => this.onTick;
    this.matchHost = {
      hub,
      options: this.options,
      get onTick() {
        return observer();
      },
      // No player online for idleMs: the match ends and its lease is given up.
      idle: (name) => void this.stopMatch(name, true),
      lost: (name) => void this.stopMatch(name, false),
    };
    this.timer = setInterval(() => void this.maintain(), this.options.leaseMs / 3);
    this.timer.unref();
  }

  /** Matches running on this node. */
  get matchCount(): number {
    return this.owned.size;
  }

  /** Whether this node runs the match now. */
  runs(match: string): boolean {
    return this.owned.has(match);
  }

  /** The match's whole state, or undefined when it does not run on this node. */
  snapshot(match: string): GameSnapshot | undefined {
    return this.owned.get(match)?.match.snapshot();
  }

  /** Runs one tick of a match now (the timer calls it; tests may too). */
  tick(match: string): void {
    this.owned.get(match)?.tick();
  }

  /** Marks as disconnected the players of a match run here whose connection has left its channel. */
  async checkPresence(match: string): Promise<void> {
    await this.owned.get(match)?.checkPresence();
  }

  /**
   * Stops every match run here and gives their leases up (another node may take them on);
   * resolves once the broker has the leases back. Call before closing the broker.
   */
  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping;
    this.stopped = true;
    clearInterval(this.timer);
    for (const method of [RPC_GAME_JOIN, RPC_GAME_INPUT, RPC_GAME_SAY]) {
      this.hub.registerRpc(method, () => {
        throw new HubError('notAvailable', 'the game has stopped');
      });
    }
    const released = [...this.owned.keys()].map((name) => this.stopMatch(name, true));
    this.link.remove(FORWARD);
    this.stopping = Promise.all(released)
      .then(() => (this.ownLink ? this.link.close() : undefined))
      .catch((error: unknown) => this.hub.reportInternalError(error));
    return this.stopping;
  }

  // ---- routing a call to the match's node ----

  private async route(_call: RpcCall, call: GameCall): Promise<JoinResult | null> {
    const name = call.params.match;
    const here = this.owned.get(name);
    if (here !== undefined) return this.applyHere(here, call);
    await this.ready;
    const holder = await this.holderOf(name, call.op === 'join');
    if (holder === this.nodeId) {
      const started = await this.startMatch(name, call.op === 'join');
      if (started === undefined) throw new HubError('notAvailable', 'join the match first');
      return this.applyHere(started, call);
    }
    if (holder === undefined) throw new HubError('notAvailable', 'join the match first');
    return this.forward(holder, call);
  }

  /**
   * The node running the match: a recent answer, or the lease read now. A free lease is
   * taken by this node when it may start the match (a join) or the match has a saved state
   * (its node died: any call of its players brings it back).
   */
  private async holderOf(name: string, mayStart: boolean): Promise<string | undefined> {
    const now = this.options.now();
    const known = this.remote.get(name);
    if (known !== undefined && now - known.checkedAt < this.options.leaseMs / 3) {
      known.usedAt = now;
      return known.holder;
    }
    const lease = await this.leases.read(name);
    if (lease.holder !== undefined && lease.holder !== this.nodeId) {
      this.remote.set(name, { holder: lease.holder, checkedAt: now, usedAt: now });
      return lease.holder;
    }
    if (lease.holder !== this.nodeId && !mayStart && (await this.savedState(name)) === undefined) return undefined;
    // Full: refuse before writing anything to the broker, so a flood of new names costs it nothing.
    if (lease.holder !== this.nodeId && this.owned.size + this.starting.size >= this.options.maxMatches) {
      throw new HubError('limitExceeded', 'too many matches');
    }
    return this.claim(name);
  }

  private async claim(name: string): Promise<string | undefined> {
    const lease = await this.leases.acquire(name);
    if (lease.holder === this.nodeId) {
      this.remote.delete(name);
      return this.nodeId;
    }
    if (lease.holder !== undefined) {
      const now = this.options.now();
      this.remote.set(name, { holder: lease.holder, checkedAt: now, usedAt: now });
    }
    return lease.holder;
  }

  private async forward(holder: string, call: GameCall): Promise<JoinResult | null> {
    let reply: Reply;
    try {
      reply = (await this.link.request(holder, FORWARD, call, this.options.forwardTimeoutMs)) as Reply;
    } catch (error) {
      // The holder may have died: read the lease again on the next call.
      this.remote.delete(call.params.match);
      if (error instanceof NodeLinkError) throw new HubError('unavailable', `the node running match ${call.params.match} did not answer; try again`);
      throw error;
    }
    if ('ok' in reply) return reply.ok;
    if (reply.error.code === WireErrorCode.unavailable) this.remote.delete(call.params.match);
    throw new HubError(errorKey(reply.error.code), reply.error.message);
  }

  /** A call forwarded by another node: this node holds (or held) the match's lease. */
  private async answer(call: GameCall): Promise<Reply> {
    try {
      let here = this.owned.get(call.params.match);
      if (here === undefined && !this.stopped) {
        // Stopped as idle (or restarted) since the caller looked: take the lease again if it is free.
        const holder = await this.claim(call.params.match);
        if (holder === this.nodeId) here = await this.startMatch(call.params.match, call.op === 'join');
      }
      if (here === undefined) throw new HubError('unavailable', 'the match moved to another node; try again');
      return { ok: this.applyHere(here, call) };
    } catch (error) {
      if (error instanceof HubError) return { error: { code: error.code, message: error.message } };
      this.hub.reportInternalError(error);
      return { error: { code: WireErrorCode.internal, message: 'internal error' } };
    }
  }

  // ---- the matches this node runs ----

  /** Starts a match whose lease this node holds, from its saved state if it has one. */
  private startMatch(name: string, isJoin: boolean): Promise<OwnedMatch | undefined> {
    const existing = this.owned.get(name);
    if (existing !== undefined) return Promise.resolve(existing);
    let starting = this.starting.get(name);
    if (starting === undefined) {
      starting = this.startNow(name, isJoin).finally(() => this.starting.delete(name));
      this.starting.set(name, starting);
    }
    return starting;
  }

  private async startNow(name: string, isJoin: boolean): Promise<OwnedMatch | undefined> {
    const release = () => this.leases.release(name).catch((error: unknown) => this.hub.reportInternalError(error));
    if (this.stopped) {
      await release();
      throw new HubError('notAvailable', 'the game has stopped');
    }
    const saved = await this.savedState(name);
    if (saved === undefined && !isJoin) {
      await release();
      return undefined;
    }
    if (this.owned.size >= this.options.maxMatches) {
      await release();
      throw new HubError('limitExceeded', 'too many matches');
    }
    const running = new OwnedMatch(name, this.matchHost, saved);
    this.owned.set(name, running);
    await this.save(name);
    return running;
  }

  /** Stops ticking a match; with `release`, its saved state goes and its lease is given up. */
  private async stopMatch(name: string, release: boolean): Promise<void> {
    const running = this.owned.get(name);
    if (running === undefined) return;
    running.stop();
    this.owned.delete(name);
    if (!release) return;
    try {
      await this.broker.removeHistory(savedStateChannel(name));
      await this.leases.release(name);
    } catch (error) {
      this.hub.reportInternalError(error);
    }
  }

  /** Saves a match run here for whoever takes it over (every third of leaseMs, and after each join). */
  private async save(name: string): Promise<void> {
    const running = this.owned.get(name);
    if (running !== undefined) await this.broker.publish(savedStateChannel(name), JSON.stringify(running.save()), { history: this.savedRetention });
  }

  /** Applies a call to a match run here; a join is saved at once, so a takeover keeps the new player. */
  private applyHere(running: OwnedMatch, call: GameCall): JoinResult | null {
    const result = running.apply(call);
    if (call.op === 'join') this.save(call.params.match).catch((error: unknown) => this.hub.reportInternalError(error));
    return result;
  }

  private async savedState(name: string): Promise<SavedMatch | undefined> {
    const history = await this.broker.history(savedStateChannel(name), { limit: 1, direction: 'backward' });
    const data = history.publications[0]?.data;
    return data === undefined ? undefined : (JSON.parse(data) as SavedMatch);
  }

  /** Every third of leaseMs: renew and save the matches run here; take over the matches whose node died. */
  private async maintain(): Promise<void> {
    if (this.stopped) return;
    const now = this.options.now();
    await Promise.all([...this.owned.keys()].map(async (name) => {
      try {
        const lease = await this.leases.acquire(name);
        const running = this.owned.get(name);
        if (running === undefined) return;
        if (lease.holder !== this.nodeId) {
          void this.stopMatch(name, false); // another node holds it now: never tick twice
          return;
        }
        running.renewedAt = now;
        await this.save(name);
      } catch (error) {
        // The broker is away: the match's tick stops it once two thirds of leaseMs passed
        // unrenewed, before another node may take the lease.
        this.hub.reportInternalError(error);
      }
    }));
    for (const [name, known] of this.remote) {
      if (now - known.usedAt >= this.options.idleMs) {
        this.remote.delete(name);
        continue;
      }
      if (now - known.checkedAt < this.options.leaseMs / 3) continue;
      try {
        const lease = await this.leases.read(name);
        known.checkedAt = now;
        if (lease.holder !== undefined) {
          known.holder = lease.holder;
          continue;
        }
        // Its node died: this node has players in it, so it carries the match on.
        if ((await this.claim(name)) === this.nodeId) await this.startMatch(name, false);
      } catch (error) {
        this.hub.reportInternalError(error);
      }
    }
  }
}

function errorKey(code: number): WireErrorCodeKey {
  for (const [key, value] of Object.entries(WireErrorCode)) if (value === code) return key as WireErrorCodeKey;
  return 'internal';
}
