// A match this node runs (it holds the match's lease): the tick timer, the calls of the
// players applied to the state (arriving here from any node), the binary delta published on
// `game:MATCH`, the presence check that notices dropped players, and the saved state a
// node taking the match over starts from.

import { randomBytes } from 'node:crypto';
import type { Hub } from '../../hub/hub.js';
import { HubError } from '../../hub/errors.js';
import { TokenBucket } from '../../hub/token-bucket.js';
import { Match, type SavedMatch } from './match.js';
import { matchRules, type ResolvedGameOptions } from './options.js';
import { chatChannel, encodeDelta, stateChannel, type GameDelta, type InputParams, type JoinParams, type JoinResult, type SayParams } from './protocol.js';

/** A player's call as the node it arrived on passes it on: who made it, and its checked params. */
export type GameCall =
  | { op: 'join'; user: string; client: string; params: JoinParams }
  | { op: 'input'; user: string; client: string; params: InputParams }
  | { op: 'say'; user: string; client: string; params: SayParams };

/** Called after every tick with when it ran, the delta (if anything changed) and its size in bytes. */
export type TickObserver = (match: string, at: number, delta: GameDelta | undefined, bytes: number) => void;

export interface OwnedMatchHost {
  readonly hub: Hub;
  readonly options: ResolvedGameOptions;
  onTick: TickObserver | undefined;
  /** The match saw no player online for idleMs. */
  idle(name: string): void;
  /** The lease was not renewed for two thirds of leaseMs: stop before another node may start. */
  lost(name: string): void;
}

/** The identity a call plays as: the token's user, or (anonymous) the connection. */
export function playerKey(call: { user: string; client: string }): string {
  return call.user !== '' ? `u:${call.user}` : `c:${call.client}`;
}

export class OwnedMatch {
  readonly match: Match;
  private readonly timer: NodeJS.Timeout;
  /** Each player's allowance of input and chat calls, by player key. */
  private readonly buckets = new Map<string, TokenBucket>();
  private lastOnlineAt: number;
  private ticksSinceCheck = 0;
  /** When this node last renewed the match's lease (the service's maintenance sets it). */
  renewedAt: number;

  constructor(readonly name: string, private readonly host: OwnedMatchHost, saved?: SavedMatch) {
    const { options } = host;
    this.match = new Match(name, matchRules(options));
    if (saved !== undefined) this.match.restore(saved, options.now());
    else this.match.startAt(options.now());
    this.lastOnlineAt = options.now();
    this.renewedAt = options.now();
    this.timer = setInterval(() => this.tick(), 1000 / options.tickHz);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  apply(call: GameCall): JoinResult | null {
    switch (call.op) {
      case 'join':
        return this.join(call.params, call);
      case 'input':
        this.match.input(this.playing(call), call.params.dx, call.params.dy);
        return null;
      case 'say': {
        const key = this.playing(call);
        const name = this.match.nameOf(key) ?? '';
        this.host.hub.publish(chatChannel(this.name), { name, text: call.params.text }).catch((error: unknown) => this.host.hub.reportInternalError(error));
        return null;
      }
    }
  }

  /** Runs one tick now (the timer calls it; tests may too). */
  tick(): void {
    const { hub, options } = this.host;
    const now = options.now();
    if (now - this.renewedAt >= (options.leaseMs * 2) / 3) {
      this.host.lost(this.name);
      return;
    }
    const delta = this.match.tick(now);
    for (const gone of delta?.gone === undefined ? [] : this.forgottenKeys()) this.buckets.delete(gone);
    let bytes = 0;
    if (delta !== undefined) {
      const encoded = encodeDelta(delta);
      bytes = encoded.byteLength;
      hub.publish(stateChannel(this.name), encoded).catch((error: unknown) => hub.reportInternalError(error));
    }
    this.host.onTick?.(this.name, now, delta, bytes);
    if (this.match.onlinePlayers().length > 0) this.lastOnlineAt = now;
    else if (now - this.lastOnlineAt >= options.idleMs) this.host.idle(this.name);
    this.ticksSinceCheck += 1;
    if (this.ticksSinceCheck * (1000 / options.tickHz) >= options.presenceCheckMs) {
      this.ticksSinceCheck = 0;
      this.checkPresence().catch((error: unknown) => hub.reportInternalError(error));
    }
  }

  /** Marks as disconnected the players whose user or connection has left the match's channel (on any node). */
  async checkPresence(): Promise<void> {
    const present = new Set<string>();
    for (const info of Object.values(await this.host.hub.presence(stateChannel(this.name)))) present.add(playerKey(info));
    const now = this.host.options.now();
    for (const key of this.match.onlinePlayers()) if (!present.has(key)) this.match.disconnected(key, now);
  }

  private join(params: JoinParams, call: { user: string; client: string }): JoinResult {
    const { options } = this.host;
    const key = playerKey(call);
    const anonymous = call.user === '';
    // An anonymous player back on a new connection shows the ticket its last join gave it.
    if (anonymous && !this.match.has(key) && params.ticket !== undefined) {
      const previous = this.match.keyOfTicket(params.ticket);
      if (previous !== undefined) {
        this.match.rekey(previous, key);
        const bucket = this.buckets.get(previous);
        this.buckets.delete(previous);
        if (bucket !== undefined) this.buckets.set(key, bucket);
      }
    }
    if (!this.match.has(key) && this.match.playerCount >= options.maxPlayers) throw new HubError('limitExceeded', 'the match is full');
    this.match.join(key, params.name);
    this.bucketOf(key);
    this.lastOnlineAt = options.now();
    const ticket = anonymous ? randomBytes(18).toString('base64url') : undefined;
    if (ticket !== undefined) this.match.setTicket(key, ticket);
    return { ...this.match.snapshot(), you: this.match.idOf(key)!, ...(ticket === undefined ? {} : { ticket }) };
  }

  /** The caller's own player, with one call taken from its allowance. */
  private playing(call: { user: string; client: string }): string {
    const key = playerKey(call);
    if (!this.match.has(key)) throw new HubError('notAvailable', 'join the match first');
    if (!this.bucketOf(key).take()) throw new HubError('tooManyRequests', 'too many game calls');
    return key;
  }

  private bucketOf(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      const { options } = this.host;
      bucket = new TokenBucket(options.inputRate, options.inputBurst, options.now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private forgottenKeys(): string[] {
    return [...this.buckets.keys()].filter((key) => !this.match.has(key));
  }

  save(): SavedMatch {
    return this.match.save();
  }
}
