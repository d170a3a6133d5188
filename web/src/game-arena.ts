// Draws the arena on a canvas, each player interpolated between the last two positions the
// server sent, over one tick's time, so 20 updates a second look smooth at 60 frames.

import {
  ARENA_HEIGHT, ARENA_WIDTH, ITEM_RADIUS, PLAYER_RADIUS, type ItemState, type PlayerState, type PlayerUpdate,
} from '../../src/demo/game/protocol.js';

interface Shown {
  state: PlayerState;
  fromX: number;
  fromY: number;
  /** When the latest position arrived (performance.now()). */
  at: number;
}

/** Player numbers are small and consecutive: the golden angle spreads their hues apart. */
export function colourOf(id: number): string {
  return `hsl(${Math.round((id * 137.508) % 360)} 75% 60%)`;
}

export class Arena {
  private readonly players = new Map<number, Shown>();
  private readonly items = new Map<number, ItemState>();
  /** Names by player number: deltas carry a name once, when a player appears or renames. */
  private readonly names = new Map<number, string>();
  private tickMs = 50;
  /** This page's player. */
  me = 0;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const frame = () => {
      this.draw(performance.now());
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  /** Replaces everything; tickHz 0 keeps the tick length. */
  reset(players: PlayerState[], items: ItemState[], tickHz: number): void {
    if (tickHz > 0) this.tickMs = 1000 / tickHz;
    this.players.clear();
    this.items.clear();
    for (const player of players) {
      this.names.set(player.id, player.name);
      this.players.set(player.id, { state: player, fromX: player.x, fromY: player.y, at: 0 });
    }
    for (const item of items) this.items.set(item.id, item);
  }

  rename(names: Array<{ id: number; name: string }>): void {
    for (const { id, name } of names) {
      this.names.set(id, name);
      const shown = this.players.get(id);
      if (shown !== undefined) shown.state = { ...shown.state, name };
    }
  }

  update(update: PlayerUpdate, now: number): void {
    const player: PlayerState = { ...update, name: this.names.get(update.id) ?? `#${update.id}` };
    const shown = this.players.get(player.id);
    if (shown === undefined) {
      this.players.set(player.id, { state: player, fromX: player.x, fromY: player.y, at: now });
      return;
    }
    // Start from where the player is drawn now, so a late delta does not make it jump back.
    const [x, y] = this.position(shown, now);
    this.players.set(player.id, { state: player, fromX: x, fromY: y, at: now });
  }

  remove(id: number): void {
    this.players.delete(id);
    this.names.delete(id);
  }

  addItem(item: ItemState): void {
    this.items.set(item.id, item);
  }

  takeItem(id: number): void {
    this.items.delete(id);
  }

  list(): PlayerState[] {
    return [...this.players.values()].map((shown) => shown.state);
  }

  private position(shown: Shown, now: number): [number, number] {
    const t = Math.min(1, Math.max(0, (now - shown.at) / this.tickMs));
    return [shown.fromX + (shown.state.x - shown.fromX) * t, shown.fromY + (shown.state.y - shown.fromY) * t];
  }

  private draw(now: number): void {
    const context = this.canvas.getContext('2d');
    if (context === null) return;
    context.setTransform(this.canvas.width / ARENA_WIDTH, 0, 0, this.canvas.height / ARENA_HEIGHT, 0, 0);
    context.clearRect(0, 0, ARENA_WIDTH, ARENA_HEIGHT);
    context.fillStyle = '#f5c542';
    for (const item of this.items.values()) {
      context.beginPath();
      context.arc(item.x, item.y, ITEM_RADIUS, 0, Math.PI * 2);
      context.fill();
    }
    context.font = '13px system-ui, sans-serif';
    context.textAlign = 'center';
    for (const shown of this.players.values()) {
      const [x, y] = this.position(shown, now);
      context.globalAlpha = shown.state.online ? 1 : 0.4;
      context.fillStyle = colourOf(shown.state.id);
      context.beginPath();
      context.arc(x, y, PLAYER_RADIUS, 0, Math.PI * 2);
      context.fill();
      if (shown.state.id === this.me) {
        context.strokeStyle = '#ffffff';
        context.lineWidth = 3;
        context.stroke();
      }
      context.fillStyle = '#e8ecf3';
      const labelX = Math.min(ARENA_WIDTH - 40, Math.max(40, x)); // keep the name inside the arena
      context.fillText(`${shown.state.name} ${shown.state.score}`, labelX, y - PLAYER_RADIUS - 6);
    }
    context.globalAlpha = 1;
  }
}
