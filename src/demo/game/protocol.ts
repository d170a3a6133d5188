// What the game server and the game page agree on: channel names, rpc methods, the shapes
// of the snapshot and the per-tick delta, and the delta's binary layout (delta-codec.ts).
// No Node API here: web/ imports it as it is.

import type { ItemState } from './delta-codec.js';

export * from './delta-codec.js';

/** The game namespace: `game:MATCH` carries the state deltas, `game:MATCH.chat` the chat. */
export const GAME_NAMESPACE = 'game';
/** RPC: joins (or rejoins) a match as the caller's user (or, anonymous, its connection); answers a JoinResult. */
export const RPC_GAME_JOIN = 'game.join';
/** RPC: the caller's movement direction, {match, dx, dy} with dx, dy in [-1, 1]. */
export const RPC_GAME_INPUT = 'game.input';
/** RPC: one chat line, published by the server on `game:MATCH.chat` with the sender's name. */
export const RPC_GAME_SAY = 'game.say';

/** Match names stay inside the channel grammar (and short). */
export const MATCH_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** A rejoin ticket: what an anonymous player's page keeps to get its player back. */
export const TICKET_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
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
  /** The player's number in this match (1–65535). Public: it grants nothing. */
  id: number;
  name: string;
  x: number;
  y: number;
  score: number;
  /** False while the player's connection is gone (kept for the grace period). */
  online: boolean;
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

/** What game.join answers: the whole state, which player is the caller's, and (anonymous) a rejoin ticket. */
export interface JoinResult extends GameSnapshot {
  you: number;
  /**
   * Anonymous callers only: present it in the next game.join (from a new connection after
   * a drop) to get this player back. A new one comes with every join; never published.
   */
  ticket?: string;
}

export interface JoinParams {
  match: string;
  name: string;
  ticket?: string;
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

