// One match's state and rules, without timers or I/O: the service calls tick() on its
// timer and publishes what it returns, tests call it by hand with their own clock.

import {
  ARENA_HEIGHT, ARENA_WIDTH, ITEM_RADIUS, PLAYER_RADIUS,
  type GameDelta, type GameSnapshot, type ItemState, type PlayerState,
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
  dx: number;
  dy: number;
  /** When the connection was seen gone; undefined while online. */
  leftAt: number | undefined;
  dirty: boolean;
}

export class Match {
  private readonly players = new Map<string, Player>();
  private readonly items = new Map<number, ItemState>();
  private tickCount = 0;
  private lastAt = 0;
  private nextItemId = 1;
  private readonly newItems: ItemState[] = [];
  private readonly takenItems: number[] = [];
  private readonly gonePlayers: string[] = [];

  constructor(readonly name: string, private readonly rules: MatchRules, private readonly random: () => number = Math.random) {}

  get playerCount(): number {
    return this.players.size;
  }

  has(player: string): boolean {
    return this.players.has(player);
  }

  /** Adds a player, or brings a known one back online with their position and score. */
  join(id: string, name: string): PlayerState {
    let player = this.players.get(id);
    if (player === undefined) {
      player = {
        id, name, score: 0, online: true, dx: 0, dy: 0, leftAt: undefined, dirty: true,
        x: PLAYER_RADIUS + this.random() * (ARENA_WIDTH - 2 * PLAYER_RADIUS),
        y: PLAYER_RADIUS + this.random() * (ARENA_HEIGHT - 2 * PLAYER_RADIUS),
      };
      this.players.set(id, player);
    } else {
      player.online = true;
      player.leftAt = undefined;
      player.name = name;
      player.dirty = true;
    }
    return publicState(player);
  }

  /** Sets a player's direction; dx, dy must already be finite and in [-1, 1]. */
  input(id: string, dx: number, dy: number): void {
    const player = this.players.get(id);
    if (player === undefined) return;
    // A diagonal is no faster than a straight line.
    const length = Math.hypot(dx, dy);
    player.dx = length > 1 ? dx / length : dx;
    player.dy = length > 1 ? dy / length : dy;
  }

  /** The player's connection is gone: they stop and are kept for the grace period. */
  disconnected(id: string, now: number): void {
    const player = this.players.get(id);
    if (player === undefined || !player.online) return;
    player.online = false;
    player.leftAt = now;
    player.dx = 0;
    player.dy = 0;
    player.dirty = true;
  }

  onlinePlayers(): string[] {
    return [...this.players.values()].filter((p) => p.online).map((p) => p.id);
  }

  /** Advances one tick; returns the delta, or undefined when nothing changed. */
  tick(now: number): GameDelta | undefined {
    this.tickCount += 1;
    this.lastAt = now;
    const step = this.rules.speed / this.rules.tickHz;
    for (const player of this.players.values()) {
      if (player.leftAt !== undefined && now - player.leftAt >= this.rules.graceMs) {
        this.players.delete(player.id);
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
    const delta: GameDelta = { tick: this.tickCount, at: now };
    const changed = [...this.players.values()].filter((p) => p.dirty);
    for (const player of changed) player.dirty = false;
    if (changed.length > 0) delta.players = changed.map(publicState);
    if (this.gonePlayers.length > 0) delta.gone = this.gonePlayers.splice(0);
    if (this.newItems.length > 0) delta.items = this.newItems.splice(0);
    if (this.takenItems.length > 0) delta.taken = this.takenItems.splice(0);
    return Object.keys(delta).length > 2 ? delta : undefined;
  }
}

function publicState(player: Player): PlayerState {
  return { id: player.id, name: player.name, x: Math.round(player.x * 10) / 10, y: Math.round(player.y * 10) / 10, score: player.score, online: player.online };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
