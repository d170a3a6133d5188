// One client connection as the hub sees it: its identity, its subscriptions, and the
// path from incoming command text to replies. It writes only to its Session, and it
// alone changes its own state: command handlers call its methods, never set its fields.

import { randomUUID } from 'node:crypto';
import { DisconnectCode, type ClientInfo, type Method, type WireError } from '../wire/index.js';
import { decodeCommand, type Params } from './decode.js';
import { encodeError, encodeResult } from './encode.js';
import { HubError, isBrokerUnavailable, toWireError } from './errors.js';
import type { LocalSubscriber } from './local-channels.js';
import type { ResolvedNamespace } from './namespaces.js';
import type { ResolvedHubOptions } from './options.js';
import type { ObserverSlot } from './observer.js';
import { OutboundMessage, type Session } from './session.js';
import { TokenBucket } from './token-bucket.js';

// Refusals made once: a client flooding commands must not cost an Error (and its stack) per command.
const TOO_MANY_PENDING = Object.freeze(new HubError('tooManyRequests', 'too many commands in flight').toWire());
const COMMAND_RATE_REACHED = Object.freeze(new HubError('tooManyRequests', 'command rate limit reached').toWire());

export type ConnectionState = 'new' | 'connecting' | 'connected' | 'closed';

/** What a connection needs from the hub that holds it. */
export interface ConnectionHost {
  readonly options: ResolvedHubOptions;
  /** Runs a decoded command; the handler replies itself, a thrown error becomes the reply. */
  run(connection: Connection, id: number, method: Method, params: Params): Promise<void>;
  /** The connection has closed: drop everything it held. */
  closed(connection: Connection): void;
  /** The connection is being closed for a full outgoing buffer (counted in stats). */
  slowConsumer(connection: Connection): void;
  reportInternalError(error: unknown): void;
  /** A command was refused with `unavailable` because the broker's engine is out of reach. */
  countUnavailable(): void;
  /** Who watches the hub (messages in, error replies). */
  readonly observer: ObserverSlot;
}

/** Who the connect (or refresh) command established the connection to be. */
export interface Identity {
  user: string;
  connInfo: unknown;
  /** Token expiry in unix seconds; undefined when it never expires. */
  expiresAt: number | undefined;
  /** Channel patterns from the token's `channels` claim; undefined: no restriction. */
  allowedChannels: string[] | undefined;
}

/** A push that arrived while its subscription was pending. */
interface WaitingPush {
  message: OutboundMessage;
  offset: number;
}

/**
 * One channel of a connection. Readable by all; changed only through its Connection's methods.
 * It is also what the channel's local subscriber set holds, so a publication reaches the
 * connection without looking the channel up in the connection's map once per delivery.
 */
export class ChannelSubscription implements LocalSubscriber {
  /** pending: the subscribe reply is not sent yet, so pushes wait in `buffer`. */
  state: 'pending' | 'active' = 'pending';
  /** The pushes waiting for the subscribe reply; made on the first one (most subscriptions never wait). */
  buffer: WaitingPush[] | undefined = undefined;
  /** The highest stream offset the client has been given (0 without history). */
  offset = 0;

  constructor(
    readonly connection: Connection,
    readonly channel: string,
    readonly namespace: ResolvedNamespace,
    public info: ClientInfo,
  ) {}

  get clientId(): string {
    return this.connection.id;
  }

  /** One push of the channel (`offset`: its stream offset, 0 without one): sent, or kept until the reply. */
  deliver(message: OutboundMessage, offset: number): void {
    if (this.state === 'active') {
      if (offset > 0) this.offset = offset;
      this.connection.push(message);
    } else if (this.buffer === undefined) {
      this.buffer = [{ message, offset }];
    } else {
      this.buffer.push({ message, offset });
    }
  }
}

const NO_SUBSCRIPTIONS: readonly ChannelSubscription[] = [];

/**
 * A connection's subscriptions by channel name, in the order they were made. Most connections
 * hold one: it sits in a field, and a Map (whose table alone is ~200 bytes) is made only for
 * a second channel.
 */
export class ChannelTable {
  private one: ChannelSubscription | undefined = undefined;
  private many: Map<string, ChannelSubscription> | undefined = undefined;

  get size(): number {
    if (this.many !== undefined) return this.many.size;
    return this.one === undefined ? 0 : 1;
  }

  get(channel: string): ChannelSubscription | undefined {
    if (this.many !== undefined) return this.many.get(channel);
    const one = this.one;
    return one !== undefined && one.channel === channel ? one : undefined;
  }

  has(channel: string): boolean {
    return this.get(channel) !== undefined;
  }

  values(): IterableIterator<ChannelSubscription> {
    if (this.many !== undefined) return this.many.values();
    return (this.one === undefined ? NO_SUBSCRIPTIONS : [this.one]).values();
  }

  keys(): IterableIterator<string> {
    if (this.many !== undefined) return this.many.keys();
    return (this.one === undefined ? [] : [this.one.channel]).values();
  }

  /** @internal Connection's: adds or replaces the channel's subscription. */
  set(subscription: ChannelSubscription): void {
    const one = this.one;
    if (this.many !== undefined) this.many.set(subscription.channel, subscription);
    else if (one === undefined || one.channel === subscription.channel) this.one = subscription;
    else {
      this.many = new Map([
        [one.channel, one],
        [subscription.channel, subscription],
      ]);
      this.one = undefined;
    }
  }

  /** @internal Connection's. */
  delete(channel: string): void {
    if (this.many !== undefined) this.many.delete(channel);
    else if (this.one !== undefined && this.one.channel === channel) this.one = undefined;
  }
}

/** A connection's traffic since it opened: messages and UTF-8 bytes each way, and error replies. */
export interface ConnectionTraffic {
  messagesIn: number;
  bytesIn: number;
  messagesOut: number;
  bytesOut: number;
  errors: number;
}

export class Connection {
  readonly id = randomUUID();
  /** When the transport session was accepted (ms since the epoch, on the hub's clock). */
  readonly connectedAt: number;
  // Counted as messages pass: one add per message and direction, nothing else. Fields of the
  // connection itself, not an object of their own: one object less per connection and per delivery.
  private messagesIn = 0;
  private bytesIn = 0;
  private messagesOut = 0;
  private bytesOut = 0;
  private errors = 0;
  private currentState: ConnectionState = 'new';
  private identity: Identity = { user: '', connInfo: undefined, expiresAt: undefined, allowedChannels: undefined };
  private name = '';
  private version = '';
  private readonly channels = new ChannelTable();
  /** The publish rate limit, made on the first publish (most connections only subscribe). */
  private publishBucket: TokenBucket | undefined = undefined;
  /** The rate limit of every other command, made on the first. */
  private commandBucket: TokenBucket | undefined = undefined;
  /** Commands handed to the hub and not finished yet (limits.maxPendingCommands). */
  private pendingCommands = 0;
  /**
   * Bytes this connection may still send before its transport's buffer could pass the
   * high-water mark: bufferedAmount is read only when this runs out, not per delivery. A
   * transport's buffer grows only by what is sent to it, and each send is charged at least
   * its encoded size, so the cut still comes at the first send that passes the mark.
   */
  private sendBudget = 0;
  /** Settles (never rejects) when a connect command in flight has finished. */
  private connectDone: Promise<void> | undefined;
  private closedWith: { code: number; reason: string } | undefined;

  constructor(
    private readonly host: ConnectionHost,
    private readonly session: Session,
  ) {
    this.connectedAt = host.options.now();
  }

  get state(): ConnectionState {
    return this.currentState;
  }
  get isClosed(): boolean {
    return this.currentState === 'closed';
  }
  get user(): string {
    return this.identity.user;
  }
  get connInfo(): unknown {
    return this.identity.connInfo;
  }
  get expiresAt(): number | undefined {
    return this.identity.expiresAt;
  }
  get allowedChannels(): readonly string[] | undefined {
    return this.identity.allowedChannels;
  }
  get clientName(): string {
    return this.name;
  }
  get clientVersion(): string {
    return this.version;
  }
  get subscriptions(): Pick<ChannelTable, 'size' | 'get' | 'has' | 'values' | 'keys'> {
    return this.channels;
  }
  /** 'websocket', 'sse', …: the session's transport. */
  get transport(): string {
    return this.session.transport;
  }
  get remoteAddress(): string | undefined {
    return this.session.remoteAddress;
  }
  /** The traffic counters, as of now. */
  get traffic(): Readonly<ConnectionTraffic> {
    return { messagesIn: this.messagesIn, bytesIn: this.bytesIn, messagesOut: this.messagesOut, bytesOut: this.bytesOut, errors: this.errors };
  }
  /** The code the server closed the connection with; undefined while open or when the peer ended it. */
  get closeCode(): number | undefined {
    return this.closedWith?.code;
  }
  get closeReason(): string {
    return this.closedWith?.reason ?? '';
  }

  // ---- the transport's side ----

  /** Feeds one text frame from the transport (`bytes`: its UTF-8 size, when the transport knows it). Never throws. */
  handleText(text: string, bytes?: number): void {
    if (this.isClosed) return;
    // Counted once here for the traffic counters, the observer and the size limit alike.
    const size = bytes ?? Buffer.byteLength(text);
    this.messagesIn += 1;
    this.bytesIn += size;
    this.host.observer.current.received(size);
    const { maxMessageSize, maxJsonDepth } = this.host.options.limits;
    if (size > maxMessageSize) {
      this.close(DisconnectCode.messageTooLarge, 'message too large');
      return;
    }
    const decoded = decodeCommand(text, maxJsonDepth);
    if (decoded.kind === 'fatal') {
      this.close(DisconnectCode.badRequest, decoded.reason);
    } else if (decoded.kind === 'error') {
      this.replyError(decoded.id, decoded.error.toWire());
    } else {
      const refusal = this.overLimit(decoded.method);
      if (refusal === undefined) void this.execute(decoded.id, decoded.method, decoded.params);
      else this.replyError(decoded.id, refusal);
    }
  }

  /**
   * The error for a command this connection may not run now, or undefined. Checked before
   * the command's params are looked at, so a refusal costs its reply and nothing else.
   */
  private overLimit(method: Method): WireError | undefined {
    const { limits, now } = this.host.options;
    if (this.pendingCommands >= limits.maxPendingCommands) return TOO_MANY_PENDING;
    if (method === 'publish') return undefined; // publishes have a rate of their own (takePublishToken)
    this.commandBucket ??= new TokenBucket(limits.commandRate, limits.commandBurst, now);
    return this.commandBucket.take() ? undefined : COMMAND_RATE_REACHED;
  }

  private async execute(id: number, method: Method, params: Params): Promise<void> {
    this.pendingCommands += 1;
    try {
      await this.host.run(this, id, method, params);
    } catch (error) {
      // An engine outage is answered with `unavailable` (117) and counted, not logged per
      // command: a client retrying through an outage would flood the log with stack traces.
      if (isBrokerUnavailable(error)) this.host.countUnavailable();
      else if (!(error instanceof HubError)) this.host.reportInternalError(error);
      this.replyError(id, toWireError(error));
    } finally {
      this.pendingCommands -= 1;
    }
  }

  /** The transport has closed on its own (the peer left, the network failed). */
  handleClose(): void {
    if (this.isClosed) return;
    this.currentState = 'closed';
    this.host.closed(this);
  }

  /** Ends the connection with a close code; idempotent. */
  close(code: number, reason: string): void {
    if (this.isClosed) return;
    this.currentState = 'closed';
    this.closedWith = { code, reason };
    this.session.close(code, reason);
    this.host.closed(this);
  }

  // ---- state transitions, called by the command handlers ----

  /** connect has started; commands that follow wait for it. Returns the function that ends the wait. */
  beginConnect(): () => void {
    if (this.currentState !== 'new') throw new HubError('alreadyConnected', 'connect was already sent');
    this.currentState = 'connecting';
    let resolve!: () => void;
    const done = new Promise<void>((settled) => (resolve = settled));
    this.connectDone = done;
    return () => {
      resolve();
      // Settled: commands that come later need not wait, and the promise need not be kept.
      if (this.connectDone === done) this.connectDone = undefined;
    };
  }

  /** Resolves once a connect in flight has finished (at once when none is). */
  connectSettled(): Promise<void> {
    return this.connectDone ?? Promise.resolve();
  }

  /** connect succeeded. */
  establish(identity: Identity, name: string, version: string): void {
    if (this.currentState !== 'connecting') return;
    this.identity = identity;
    this.name = name;
    this.version = version;
    this.currentState = 'connected';
  }

  /** refresh succeeded: the user stays, the rest comes from the new token. */
  refresh(identity: Omit<Identity, 'user'>): void {
    if (this.isClosed) return;
    this.identity = { ...identity, user: this.identity.user };
  }

  /** Takes one publish from the rate limit; false when the bucket is empty. */
  takePublishToken(): boolean {
    if (this.publishBucket === undefined) {
      const { limits, now } = this.host.options;
      this.publishBucket = new TokenBucket(limits.publishRate, limits.publishBurst, now);
    }
    return this.publishBucket.take();
  }

  /** Registers a pending subscription (pushes wait for its reply). */
  addSubscription(channel: string, namespace: ResolvedNamespace, chanInfo?: unknown): ChannelSubscription {
    const subscription = new ChannelSubscription(this, channel, namespace, this.clientInfo(chanInfo));
    this.channels.set(subscription);
    return subscription;
  }

  /** Sets the `info` claim of the channel's subscription token. */
  setChannelInfo(subscription: ChannelSubscription, chanInfo: unknown): void {
    subscription.info = this.clientInfo(chanInfo);
  }

  /** The stream offset the subscribe reply covers; pushes up to it are not sent again. */
  setStartOffset(subscription: ChannelSubscription, offset: number): void {
    subscription.offset = offset;
  }

  /** Removes the subscription if it is still this connection's live one; true if it was. */
  removeSubscription(subscription: ChannelSubscription): boolean {
    if (this.channels.get(subscription.channel) !== subscription) return false;
    this.channels.delete(subscription.channel);
    return true;
  }

  /** True while this exact subscription is still the connection's live one. */
  holds(subscription: ChannelSubscription): boolean {
    return !this.isClosed && this.channels.get(subscription.channel) === subscription;
  }

  /** Sends the pushes that waited for the subscribe reply, minus those the reply covered. */
  activate(subscription: ChannelSubscription): void {
    subscription.state = 'active';
    const waiting = subscription.buffer;
    if (waiting === undefined) return;
    subscription.buffer = undefined;
    for (const { message, offset } of waiting) {
      if (this.isClosed) return;
      if (offset > 0) {
        if (offset <= subscription.offset) continue;
        subscription.offset = offset;
      }
      this.push(message);
    }
  }

  clientInfo(chanInfo?: unknown): ClientInfo {
    const info: ClientInfo = { client: this.id, user: this.identity.user };
    if (this.identity.connInfo !== undefined) info.connInfo = this.identity.connInfo;
    if (chanInfo !== undefined) info.chanInfo = chanInfo;
    return info;
  }

  // ---- output ----

  /** Sends one push of a broadcast (counted once for all recipients by LocalChannels). */
  push(message: OutboundMessage): void {
    if (this.currentState === 'closed') return;
    const bytes = message.byteLength;
    this.messagesOut += 1;
    this.bytesOut += bytes;
    this.session.send(message);
    this.sendBudget -= sendCharge(bytes);
    if (this.sendBudget < 0) this.checkBacklog();
  }

  reply(id: number, result: unknown): void {
    this.send(new OutboundMessage(encodeResult(id, result)));
  }

  replyError(id: number, error: WireError): void {
    this.errors += 1;
    this.host.observer.current.error(error.code);
    this.send(new OutboundMessage(encodeError(id, error)));
  }

  /** Sends a reply (counted for the observer here, one recipient), then enforces the slow-consumer policy. */
  private send(message: OutboundMessage): void {
    if (this.isClosed) return;
    this.host.observer.current.sent(message.byteLength, 1);
    this.push(message);
  }

  /** The send budget ran out: read the transport's buffer; past the high-water mark the connection is cut. */
  private checkBacklog(): void {
    const buffered = this.session.bufferedAmount;
    const { highWaterMark } = this.host.options.limits;
    if (buffered > highWaterMark) {
      this.host.slowConsumer(this);
      this.close(DisconnectCode.slowConsumer, 'slow consumer');
    } else {
      this.sendBudget = highWaterMark - buffered;
    }
  }
}

/**
 * What one send may add to a transport's buffer, at most: a WebSocket frame adds up to 14
 * bytes of header, an HTTP transport its framing (SSE lines, a JSON string's escapes, which
 * at most double the text).
 */
function sendCharge(bytes: number): number {
  return 2 * bytes + 64;
}
