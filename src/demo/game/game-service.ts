// The game on a hub: rpcs game.join / game.input / game.say, one tick timer per match
// publishing the delta on `game:MATCH`, and a presence check that notices dropped players.

import type { Hub, RpcCall } from '../../hub/hub.js';
import { HubError } from '../../hub/errors.js';
import { TokenBucket } from '../../hub/token-bucket.js';
import { Match } from './match.js';
import { matchRules, resolveGameOptions, type GameOptions, type ResolvedGameOptions } from './options.js';
import { RPC_GAME_INPUT, RPC_GAME_JOIN, RPC_GAME_SAY, chatChannel, stateChannel, type GameSnapshot } from './protocol.js';
import { inputParams, joinParams, sayParams } from './validate.js';

/** Called after every tick with when it ran (for the bench's jitter figure). */
export type TickObserver = (match: string, at: number) => void;

interface RunningMatch {
  match: Match;
  timer: NodeJS.Timeout;
  /** Which connection plays which player id (a rejoin from a new connection moves it). */
  players: Map<string, string>;
  /** Each player's allowance of input and chat calls. */
  buckets: Map<string, TokenBucket>;
  lastOnlineAt: number;
  ticksSinceCheck: number;
}

export class GameService {
  private readonly options: ResolvedGameOptions;
  private readonly matches = new Map<string, RunningMatch>();
  private stopped = false;
  onTick: TickObserver | undefined;

  constructor(private readonly hub: Hub, options: GameOptions = {}) {
    this.options = resolveGameOptions(options);
    hub.registerRpc(RPC_GAME_JOIN, (call) => this.join(call));
    hub.registerRpc(RPC_GAME_INPUT, (call) => this.input(call));
    hub.registerRpc(RPC_GAME_SAY, (call) => this.say(call));
  }

  get matchCount(): number {
    return this.matches.size;
  }

  /** The match's whole state, or undefined when it is not running. */
  snapshot(match: string): GameSnapshot | undefined {
    return this.matches.get(match)?.match.snapshot();
  }

  /** Runs one tick of a match now (the timer calls it; tests may too). */
  tick(name: string): void {
    const running = this.matches.get(name);
    if (running === undefined) return;
    const now = this.options.now();
    const delta = running.match.tick(now);
    for (const gone of delta?.gone ?? []) {
      running.players.delete(gone);
      running.buckets.delete(gone);
    }
    if (delta !== undefined) this.hub.publish(stateChannel(name), delta).catch((error: unknown) => this.hub.reportInternalError(error));
    this.onTick?.(name, now);
    if (running.match.onlinePlayers().length > 0) running.lastOnlineAt = now;
    else if (now - running.lastOnlineAt >= this.options.idleMs) this.stopMatch(name);
    running.ticksSinceCheck += 1;
    if (running.ticksSinceCheck * (1000 / this.options.tickHz) >= this.options.presenceCheckMs) {
      running.ticksSinceCheck = 0;
      this.checkPresence(name).catch((error: unknown) => this.hub.reportInternalError(error));
    }
  }

  /** Marks as disconnected the players whose connection has left the match's channel. */
  async checkPresence(name: string): Promise<void> {
    const running = this.matches.get(name);
    if (running === undefined) return;
    const present = new Set(Object.values(await this.hub.presence(stateChannel(name))).map((info) => info.client));
    const now = this.options.now();
    for (const player of running.match.onlinePlayers()) {
      const client = running.players.get(player);
      if (client === undefined || !present.has(client)) running.match.disconnected(player, now);
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const name of [...this.matches.keys()]) this.stopMatch(name);
    for (const method of [RPC_GAME_JOIN, RPC_GAME_INPUT, RPC_GAME_SAY]) {
      this.hub.registerRpc(method, () => {
        throw new HubError('notAvailable', 'the game has stopped');
      });
    }
  }

  private join(call: RpcCall): GameSnapshot {
    const params = joinParams(call.data);
    const running = this.matches.get(params.match) ?? this.startMatch(params.match);
    if (!running.match.has(params.player) && running.match.playerCount >= this.options.maxPlayers) {
      throw new HubError('limitExceeded', 'the match is full');
    }
    // One player per connection: joining as another id leaves the earlier one (so one
    // socket cannot fill the match).
    for (const [player, owner] of running.players) {
      if (owner === call.client && player !== params.player) {
        running.players.delete(player);
        running.match.disconnected(player, this.options.now());
      }
    }
    running.match.join(params.player, params.name);
    running.players.set(params.player, call.client);
    if (!running.buckets.has(params.player)) {
      running.buckets.set(params.player, new TokenBucket(this.options.inputRate, this.options.inputBurst, this.options.now));
    }
    running.lastOnlineAt = this.options.now();
    return running.match.snapshot();
  }

  private input(call: RpcCall): null {
    const params = inputParams(call.data);
    const running = this.matches.get(params.match);
    const player = running === undefined ? undefined : this.playerOf(running, call.client);
    if (running === undefined || player === undefined) throw new HubError('notAvailable', 'join the match first');
    this.takeToken(running, player);
    running.match.input(player, params.dx, params.dy);
    return null;
  }

  private async say(call: RpcCall): Promise<null> {
    const params = sayParams(call.data);
    const running = this.matches.get(params.match);
    const player = running === undefined ? undefined : this.playerOf(running, call.client);
    if (running === undefined || player === undefined) throw new HubError('notAvailable', 'join the match first');
    this.takeToken(running, player);
    const name = running.match.snapshot().players.find((p) => p.id === player)?.name ?? '';
    await this.hub.publish(chatChannel(params.match), { name, text: params.text });
    return null;
  }

  private takeToken(running: RunningMatch, player: string): void {
    if (running.buckets.get(player)?.take() === false) throw new HubError('tooManyRequests', 'too many game calls');
  }

  private playerOf(running: RunningMatch, client: string): string | undefined {
    for (const [player, owner] of running.players) if (owner === client) return player;
    return undefined;
  }

  private startMatch(name: string): RunningMatch {
    if (this.stopped) throw new HubError('notAvailable', 'the game has stopped');
    if (this.matches.size >= this.options.maxMatches) throw new HubError('limitExceeded', 'too many matches');
    const timer = setInterval(() => this.tick(name), 1000 / this.options.tickHz);
    timer.unref();
    const running: RunningMatch = {
      match: new Match(name, matchRules(this.options)),
      timer,
      players: new Map(),
      buckets: new Map(),
      lastOnlineAt: this.options.now(),
      ticksSinceCheck: 0,
    };
    this.matches.set(name, running);
    return running;
  }

  private stopMatch(name: string): void {
    const running = this.matches.get(name);
    if (running === undefined) return;
    clearInterval(running.timer);
    this.matches.delete(name);
  }
}
