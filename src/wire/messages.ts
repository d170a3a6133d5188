// The Volley wire protocol, version 1: the messages a client and the server exchange.
// This module imports nothing and uses no Node API, so the browser SDK imports it as it
// is. docs/protocol.md describes each field.

/** The WebSocket subprotocol a client must offer. */
export const SUBPROTOCOL = 'volley.v1';

/**
 * Bounds of `liveness` (ms) on the GET that opens an SSE or HTTP-streaming session: the
 * client's promise of a request (a POST, empty or not) at least that often. The server ends
 * a session that stays silent for twice as long.
 */
export const LIVENESS_RANGE_MS = { min: 1_000, max: 600_000 } as const;

/** A place in a channel's stream. The epoch changes when the stream is lost or reset. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

/** Who a client is, as others see it in presence, join/leave and publications. */
export interface ClientInfo {
  client: string;
  user: string;
  /** The `info` claim of the connection token. */
  connInfo?: unknown;
  /** The `info` claim of the subscription token of this channel. */
  chanInfo?: unknown;
}

export interface Publication {
  /** Present on channels with history: the position of this publication in the stream. */
  offset?: number;
  /**
   * Present on the first publication of a stream (offset 1) in a push: the stream's epoch.
   * Subscribing to a channel without a stream yields the empty epoch (nothing is created
   * for a subscriber); a client holding the empty epoch takes this one over.
   */
  epoch?: string;
  /** The data of a JSON publication. Absent on a binary publication, which has `b64`. */
  data?: unknown;
  /**
   * The bytes of a binary publication, base64 (RFC 4648, padded). A publication has either
   * `data` or `b64`, never both; the SDK turns `b64` into a Uint8Array.
   */
  b64?: string;
  /** The publishing client; absent for publications made by the server. */
  info?: ClientInfo;
}

export interface WireError {
  code: number;
  name: string;
  message: string;
}

export interface ConnectParams {
  token?: string;
  name?: string;
  version?: string;
}
export interface ConnectResult {
  client: string;
  /** Unix time in seconds at which the token expires; absent when it never does. */
  expires?: number;
}

export interface SubscribeParams {
  channel: string;
  /** The last position the client saw, to recover what it missed. */
  since?: StreamPosition;
  /** A subscription token, required for private channels (those starting with `$`). */
  token?: string;
}
export interface SubscribeResult {
  /** True when the channel keeps history, so positions can be recovered. */
  recoverable: boolean;
  epoch?: string;
  offset?: number;
  /** Present when `since` was given: whether `publications` is exactly what was missed. */
  recovered?: boolean;
  publications?: Publication[];
}

export interface ChannelParams {
  channel: string;
}

export interface PublishParams {
  channel: string;
  /** JSON data; or `b64` instead, for bytes. Exactly one of the two. */
  data?: unknown;
  /** Binary data, base64 (RFC 4648, padded, no whitespace); size limits count the decoded bytes. */
  b64?: string;
  /** Do not deliver this publication back to the publishing connection. */
  excludeSelf?: boolean;
}
export interface PublishResult {
  offset?: number;
  epoch?: string;
}

export interface PresenceResult {
  clients: Record<string, ClientInfo>;
}
export interface PresenceStatsResult {
  numClients: number;
  numUsers: number;
}

export type HistoryDirection = 'forward' | 'backward';
export interface HistoryParams {
  channel: string;
  /** Maximum number of publications; omitted means all retained, 0 means position only. */
  limit?: number;
  since?: StreamPosition;
  direction?: HistoryDirection;
}
export interface HistoryResult {
  publications: Publication[];
  offset: number;
  epoch: string;
}

export interface RpcParams {
  method: string;
  data?: unknown;
}
export interface RpcResult {
  data: unknown;
}

export interface RefreshParams {
  token: string;
}
export interface RefreshResult {
  expires?: number;
}

export type Empty = Record<string, never>;

/** Every command: its params and its result. */
export interface CommandMap {
  connect: { params: ConnectParams; result: ConnectResult };
  subscribe: { params: SubscribeParams; result: SubscribeResult };
  unsubscribe: { params: ChannelParams; result: Empty };
  publish: { params: PublishParams; result: PublishResult };
  presence: { params: ChannelParams; result: PresenceResult };
  presence_stats: { params: ChannelParams; result: PresenceStatsResult };
  history: { params: HistoryParams; result: HistoryResult };
  rpc: { params: RpcParams; result: RpcResult };
  refresh: { params: RefreshParams; result: RefreshResult };
  ping: { params: Empty; result: Empty };
}

export type Method = keyof CommandMap;

export const METHODS: readonly Method[] = [
  'connect', 'subscribe', 'unsubscribe', 'publish', 'presence', 'presence_stats',
  'history', 'rpc', 'refresh', 'ping',
];

/** Client → server. `id` is a positive integer the client chooses; the reply repeats it. */
export interface Command<M extends Method = Method> {
  id: number;
  method: M;
  params?: CommandMap[M]['params'];
}

export interface ResultReply<M extends Method = Method> {
  id: number;
  result: CommandMap[M]['result'];
}
export interface ErrorReply {
  id: number;
  error: WireError;
}
export type Reply = ResultReply | ErrorReply;

/**
 * Server → client messages without an id.
 *
 * A publication push is the publication itself with the channel's name in `pub`:
 * `{"pub":"chat:lobby","offset":12,"data":{...}}`. Join and leave pushes say what they are
 * in `push`. (Until issue #17 a publication push was `{"push":"pub","channel":…,"pub":{…}}`;
 * the flat form is 25 bytes shorter on every delivery.)
 */
export interface PublicationPush extends Publication {
  /** The channel the publication was made in. */
  pub: string;
}
export interface JoinPush {
  push: 'join';
  channel: string;
  info: ClientInfo;
}
export interface LeavePush {
  push: 'leave';
  channel: string;
  info: ClientInfo;
}
/**
 * Publications of the channel were lost on their way to the client's node (its broker
 * connection was away longer than the channel's history reaches, or history could not be
 * read): the client should subscribe again from its position, which recovers what history
 * still holds or answers `recovered: false`.
 */
export interface GapPush {
  push: 'gap';
  channel: string;
}
export type Push = PublicationPush | JoinPush | LeavePush | GapPush;

export type ServerMessage = Reply | Push;

export function isPush(message: ServerMessage): message is Push {
  return 'pub' in message || 'push' in message;
}

export function isPublicationPush(message: ServerMessage): message is PublicationPush {
  return typeof (message as Partial<PublicationPush>).pub === 'string';
}

/** The channel a push is about. */
export function pushChannel(push: Push): string {
  return 'pub' in push ? push.pub : push.channel;
}
