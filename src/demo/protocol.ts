// What the demo server and the demo pages agree on: channel names, publication shapes,
// rpc methods and the status endpoint's JSON. No Node API here: web/ imports it as it is.

/** The chat namespace: `chat:ROOM`, one channel per room. */
export const CHAT_NAMESPACE = 'chat';
/** The market namespace; every tick of every symbol goes to MARKET_CHANNEL. */
export const MARKET_NAMESPACE = 'market';
export const MARKET_CHANNEL = 'market:ticks';
/** The Docs page's documents: `docs:NAME` (volley/yjs). */
export const DOCS_NAMESPACE = 'docs';
/** Where the status endpoint answers (GET/HEAD, JSON). */
export const STATUS_PATH = '/demo/status';

/** RPC: registers the caller's display name for presence lists. */
export const RPC_HELLO = 'demo.chat.hello';
/** RPC: who is in a room, with display names. */
export const RPC_WHO = 'demo.chat.who';

/** Room names stay inside the channel grammar (and short). */
export const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** Longest display name, in characters (code points). */
export const MAX_NAME_LENGTH = 24;
/** Longest chat message, in characters (code points). */
export const MAX_TEXT_LENGTH = 500;

export interface ChatMessage {
  name: string;
  text: string;
  /** The sender's clock, ms since the epoch: for display only. */
  sentAt: number;
}

export interface HelloParams {
  name: string;
}
export interface HelloResult {
  /** The name as stored (trimmed and shortened). */
  name: string;
}

export interface WhoParams {
  room: string;
}
export interface RoomMember {
  client: string;
  /** The name the client registered, or '' when it has not (yet). */
  name: string;
}
export interface WhoResult {
  members: RoomMember[];
}

export interface MarketTick {
  symbol: string;
  price: number;
  /** Server clock, ms since the epoch. */
  time: number;
}

export interface StatusSample {
  /** Server clock, ms since the epoch. */
  at: number;
  /** Client connections on this node. */
  connections: number;
  /** Channels with at least one subscriber on this node. */
  channels: number;
  /** Publications per second over the sampling interval that ended at `at`. */
  messagesPerSecond: number;
}

export interface DemoStatus extends StatusSample {
  /** Publications since the hub started. */
  publications: number;
  uptimeSeconds: number;
  /** The samples of the last minute (by default), oldest first, so a chart starts full. */
  recent: StatusSample[];
}

export function chatChannel(room: string): string {
  return `${CHAT_NAMESPACE}:${room}`;
}

/** Trims, collapses whitespace, and cuts to `max` code points (never splitting an emoji's surrogates). */
export function cleanText(value: string, max: number): string {
  return Array.from(value.replace(/\s+/g, ' ').trim()).slice(0, max).join('');
}

export function isChatMessage(value: unknown): value is ChatMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m.name === 'string' && typeof m.text === 'string' && typeof m.sentAt === 'number';
}

export function isMarketTick(value: unknown): value is MarketTick {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  return typeof t.symbol === 'string' && typeof t.price === 'number' && typeof t.time === 'number';
}
