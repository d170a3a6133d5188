// One match's state and rules, without timers or I/O: the service calls tick() on its
// timer and publishes what it returns, tests call it by hand with their own clock.
// Players are found by their key, the identity of whoever plays them (`u:USER` for a
// token's user, `c:CLIENT` for an anonymous connection); others see only their number.

import {
  ARENA_HEIGHT, ARENA_WIDTH, ITEM_RADIUS, PLAYER_RADIUS,
  type GameDelta, type GameSnapshot, type ItemState, type PlayerState, type PlayerUpdate,
} from './protocol.js';

export interface MatchRules {
  tickHz: number;
  /** Arena units per second at full input. */
  speed: number;
  maxItems: number;
  /** Ticks between two item spawns while below maxItems. */
  spawnEveryTicks: number;
  /** How long a disconnected player keeps their state. */
  graceMs: number;
}

interface Player extends PlayerState {
  key: string;
  /** The anonymous player's rejoin ticket (see JoinResult.ticket). */
  ticket: string | undefined;
  dx: number;
  dy: number;
  /** When the connection was seen gone; undefined while online. */
  leftAt: number | undefined;
  dirty: boolean;
  nameDirty: boolean;
}

/** What a new owner needs to carry a match on after a takeover (JSON). */
export interface SavedMatch {
  tick: number;
  /** When that tick ran. */
  at: number;
  nextItemId: number;
  players: Array<{ id: number; key: string; ticket?: string; name: string; x: number; y: number; score: number }>;
  items: ItemState[];
}

const MAX_PLAYER_ID = 0xffff;

export class Match {
  private readonly players = new Map<string, Player>();
  private readonly items = new Map<number, ItemState>();
  private tickCount = 0;
  private lastAt = 0;
  private nextItemId = 1;
  private readonly newItems: ItemState[] = [];
  private readonly takenItems: number[] = [];
  private readonly gonePlayers: number[] = [];
  /** The next delta carries the whole state (after restore()). */
  private fullNext = false;

  constructor(readonly name: string, private readonly rules: MatchRules, private readonly random: () => number = Math.random) {}

  /** Sets the clock of tick 0 (when the match starts), which a save made before the first tick carries. */
  startAt(now: number): void {
    if (this.tickCount === 0) this.lastAt = now;
  }

  get playerCount(): number {
    return this.players.size;
  }

  has(key: string): boolean {
    return this.players.has(key);
  }

  idOf(key: string): number | undefined {
    return this.players.get(key)?.id;
  }

  nameOf(key: string): string | undefined {
    return this.players.get(key)?.name;
  }

  /** Adds a player, or brings a known one back online with their position and score. */
  join(key: string, name: string): PlayerState {
    let player = this.players.get(key);
    if (player === undefined) {
      player = {
        key, ticket: undefined, id: this.freeId(), name, score: 0, online: true, dx: 0, dy: 0, leftAt: undefined, dirty: true, nameDirty: true,
        x: PLAYER_RADIUS + this.random() * (ARENA_WIDTH - 2 * PLAYER_RADIUS),
        y: PLAYER_RADIUS + this.random() * (ARENA_HEIGHT - 2 * PLAYER_RADIUS),
      };
      this.players.set(key, player);
    } else {
      player.online = true;
      player.leftAt = undefined;
      player.nameDirty ||= player.name !== name;
      player.name = name;
      player.dirty = true;
    }
    return publicState(player);
  }

  /** The key of the player holding this rejoin ticket. */
  keyOfTicket(ticket: string): string | undefined {
    for (const player of this.players.values()) if (player.ticket === ticket) return player.key;
    return undefined;
  }

  /** Gives the player a new rejoin ticket (the old one stops working). */
  setTicket(key: string, ticket: string): void {
    const player = this.players.get(key);
    if (player !== undefined) player.ticket = ticket;
  }

  /** The player now belongs to another identity (an anonymous rejoin from a new connection). */
  rekey(from: string, to: string): void {
    const player = this.players.get(from);
    if (player === undefined || this.players.has(to)) return;
    this.players.delete(from);
    player.key = to;
    this.players.set(to, player);
  }

  /** Sets a player's direction; dx, dy must already be finite and in [-1, 1]. */
  input(key: string, dx: number, dy: number): void {
    const player = this.players.get(key);
    if (player === undefined) return;
    // A diagonal is no faster than a straight line.
    const length = Math.hypot(dx, dy);
    player.dx = length > 1 ? dx / length : dx;
    player.dy = length > 1 ? dy / length : dy;
  }

  /** The player's connection is gone: they stop and are kept for the grace period. */
  disconnected(key: string, now: number): void {
    const player = this.players.get(key);
    if (player === undefined || !player.online) return;
    player.online = false;
    player.leftAt = now;
    player.dx = 0;
    player.dy = 0;
    player.dirty = true;
  }

  /** Keys of the players online. */
  onlinePlayers(): string[] {
    return [...this.players.values()].filter((p) => p.online).map((p) => p.key);
  }

  /** Advances one tick; returns the delta, or undefined when nothing changed. */
  tick(now: number): GameDelta | undefined {
    this.tickCount += 1;
    this.lastAt = now;
    const step = this.rules.speed / this.rules.tickHz;
    for (const player of this.players.values()) {
      if (player.leftAt !== undefined && now - player.leftAt >= this.rules.graceMs) {
        this.players.delete(player.key);
        this.gonePlayers.push(player.id);
        continue;
      }
      if (player.dx === 0 && player.dy === 0) continue;
      const x = clamp(player.x + player.dx * step, PLAYER_RADIUS, ARENA_WIDTH - PLAYER_RADIUS);
      const y = clamp(player.y + player.dy * step, PLAYER_RADIUS, ARENA_HEIGHT - PLAYER_RADIUS);
      if (x !== player.x || y !== player.y) {
        player.x = x;
        player.y = y;
        player.dirty = true;
        this.collect(player);
      }
    }
    if (this.items.size < this.rules.maxItems && this.tickCount % this.rules.spawnEveryTicks === 0) this.spawnItem();
    return this.takeDelta(now);
  }

  snapshot(): GameSnapshot {
    return {
      match: this.name,
      tick: this.tickCount,
      at: this.lastAt,
      tickHz: this.rules.tickHz,
      players: [...this.players.values()].map(publicState),
      items: [...this.items.values()].map((item) => ({ ...item })),
    };
  }

  save(): SavedMatch {
    return {
      tick: this.tickCount,
      at: this.lastAt,
      nextItemId: this.nextItemId,
      players: [...this.players.values()].map((p) => ({
        id: p.id, key: p.key, name: p.name, x: p.x, y: p.y, score: p.score, ...(p.ticket === undefined ? {} : { ticket: p.ticket }),
      })),
      items: [...this.items.values()].map((item) => ({ ...item })),
    };
  }

  /**
   * Carries on from a saved state: every player online (the owner's presence check sorts
   * out who is not). Tick numbers go on from where the old owner must have got to by `now`
   * (plus a second), so clients never take a new delta for an old one; the first delta is full.
   */
  restore(saved: SavedMatch, now: number): void {
    this.tickCount = saved.tick + Math.ceil(Math.max(0, now - saved.at) * this.rules.tickHz / 1000) + this.rules.tickHz;
    this.lastAt = now;
    this.nextItemId = saved.nextItemId;
    for (const p of saved.players) {
      this.players.set(p.key, { ...p, ticket: p.ticket, online: true, dx: 0, dy: 0, leftAt: undefined, dirty: false, nameDirty: false });
    }
    for (const item of saved.items) this.items.set(item.id, { ...item });
    this.fullNext = true;
  }

  private freeId(): number {
    const used = new Set([...this.players.values()].map((p) => p.id));
    for (let id = 1; id <= MAX_PLAYER_ID; id++) if (!used.has(id) && !this.gonePlayers.includes(id)) return id;
    throw new RangeError('no free player number');
  }

  private collect(player: Player): void {
    const reach = (PLAYER_RADIUS + ITEM_RADIUS) ** 2;
    for (const item of this.items.values()) {
      if ((item.x - player.x) ** 2 + (item.y - player.y) ** 2 <= reach) {
        this.items.delete(item.id);
        this.takenItems.push(item.id);
        player.score += 1;
      }
    }
  }

  private spawnItem(): void {
    const item = {
      id: this.nextItemId++,
      x: Math.round(ITEM_RADIUS + this.random() * (ARENA_WIDTH - 2 * ITEM_RADIUS)),
      y: Math.round(ITEM_RADIUS + this.random() * (ARENA_HEIGHT - 2 * ITEM_RADIUS)),
    };
    this.items.set(item.id, item);
    this.newItems.push(item);
  }

  private takeDelta(now: number): GameDelta | undefined {
    if (this.fullNext) return this.fullDelta(now);
    const delta: GameDelta = { tick: this.tickCount, at: now };
    const changed = [...this.players.values()].filter((p) => p.dirty);
    const renamed = [...this.players.values()].filter((p) => p.nameDirty);
    for (const player of changed) player.dirty = false;
    for (const player of renamed) player.nameDirty = false;
    if (changed.length > 0) delta.players = changed.map(updateOf);
    if (renamed.length > 0) delta.names = renamed.map((p) => ({ id: p.id, name: p.name }));
    if (this.gonePlayers.length > 0) delta.gone = this.gonePlayers.splice(0);
    if (this.newItems.length > 0) delta.items = this.newItems.splice(0);
    if (this.takenItems.length > 0) delta.taken = this.takenItems.splice(0);
    return Object.keys(delta).length > 2 ? delta : undefined;
  }

  private fullDelta(now: number): GameDelta {
    this.fullNext = false;
    const players = [...this.players.values()];
    for (const player of players) {
      player.dirty = false;
      player.nameDirty = false;
    }
    this.gonePlayers.length = 0;
    this.newItems.length = 0;
    this.takenItems.length = 0;
    return {
      full: true, tick: this.tickCount, at: now,
      players: players.map(updateOf),
      names: players.map((p) => ({ id: p.id, name: p.name })),
      items: [...this.items.values()].map((item) => ({ ...item })),
    };
  }
}

/** Positions to 0.1 unit: what the binary delta carries, so the snapshot agrees with it. */
function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function updateOf(player: Player): PlayerUpdate {
  return { id: player.id, x: round(player.x), y: round(player.y), score: player.score, online: player.online };
}

function publicState(player: Player): PlayerState {
  return { ...updateOf(player), name: player.name };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
