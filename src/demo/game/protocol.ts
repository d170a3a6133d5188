// What the game server and the game page agree on: channel names, rpc methods and the
// shapes of the snapshot and the per-tick delta. No Node API here: web/ imports it as it is.

/** The game namespace: `game:MATCH` carries the state deltas, `game:MATCH.chat` the chat. */
export const GAME_NAMESPACE = 'game';
/** RPC: joins (or rejoins) a match; answers a full snapshot. */
export const RPC_GAME_JOIN = 'game.join';
/** RPC: the caller's movement direction, {match, dx, dy} with dx, dy in [-1, 1]. */
export const RPC_GAME_INPUT = 'game.input';
/** RPC: one chat line, published by the server on `game:MATCH.chat` with the sender's name. */
export const RPC_GAME_SAY = 'game.say';

/** Match names and player ids stay inside the channel grammar (and short). */
export const MATCH_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const PLAYER_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
export const MAX_PLAYER_NAME = 24;
export const MAX_CHAT_TEXT = 300;

export const ARENA_WIDTH = 800;
export const ARENA_HEIGHT = 500;
export const PLAYER_RADIUS = 14;
export const ITEM_RADIUS = 8;

export function stateChannel(match: string): string {
  return `${GAME_NAMESPACE}:${match}`;
}
export function chatChannel(match: string): string {
  return `${GAME_NAMESPACE}:${match}.chat`;
}

export interface PlayerState {
  id: string;
  name: string;
  x: number;
  y: number;
  score: number;
  /** False while the player's connection is gone (kept for the grace period). */
  online: boolean;
}

export interface ItemState {
  id: number;
  x: number;
  y: number;
}

export interface GameSnapshot {
  match: string;
  tick: number;
  /** Server clock when the tick ran, ms since the epoch. */
  at: number;
  tickHz: number;
  players: PlayerState[];
  items: ItemState[];
}

/** One tick's changes; only what changed is present. */
export interface GameDelta {
  tick: number;
  /** Server clock when the tick ran, ms since the epoch (delivery latency is measured against it). */
  at: number;
  /** Players that appeared or changed (whole records: they are small). */
  players?: PlayerState[];
  /** Ids of players gone for good (their grace period ended). */
  gone?: string[];
  items?: ItemState[];
  taken?: number[];
}

export interface JoinParams {
  match: string;
  player: string;
  name: string;
}
export interface InputParams {
  match: string;
  dx: number;
  dy: number;
}
export interface SayParams {
  match: string;
  text: string;
}
export interface ChatLine {
  name: string;
  text: string;
}

/** Trims, drops control characters and keeps at most `max` code points. */
export function cleanLine(raw: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return [...raw.replace(/[\u0000-\u001f\u007f]/g, '').trim()].slice(0, max).join('');
}
