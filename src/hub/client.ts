// One client connection as the hub sees it: its identity, its subscriptions, and the
// path from incoming command text to replies. It writes only to its Session.

import { randomUUID } from 'node:crypto';
import { dispatchCommand } from './commands/index.js';
import { decodeCommand } from './decode.js';
import { encodeError, encodeResult } from './encode.js';
import { HubError, toWireError } from './errors.js';
import type { Hub } from './hub.js';
import type { LocalSubscriber } from './local-channels.js';
import type { ResolvedNamespace } from './namespaces.js';
import { OutboundMessage, type Session } from './session.js';
import { TokenBucket } from './token-bucket.js';
import { DisconnectCode, type ClientInfo, type WireError } from '../wire/index.js';

export type ClientState = 'new' | 'connecting' | 'connected' | 'closed';

export interface ClientSubscription {
  readonly channel: string;
  readonly namespace: ResolvedNamespace;
  /** pending: the subscribe reply is not sent yet, so pushes wait in `buffer`. */
  state: 'pending' | 'active';
  buffer: Array<{ message: OutboundMessage; offset: number }>;
  /** The highest stream offset the client has been given (0 without history). */
  offset: number;
  info: ClientInfo;
}

export class ClientConnection implements LocalSubscriber {
  readonly id = randomUUID();
  state: ClientState = 'new';
  user = '';
  connInfo: unknown = undefined;
  /** Token expiry in unix seconds; undefined when it never expires. */
  expiresAt: number | undefined = undefined;
  /** Channel patterns from the token's `channels` claim. */
  allowedChannels: string[] | undefined = undefined;
  clientName = '';
  clientVersion = '';
  readonly subscriptions = new Map<string, ClientSubscription>();
  readonly publishBucket: TokenBucket;
  /** Settles (never rejects) when a connect command in flight has finished. */
  connecting: Promise<void> | undefined = undefined;

  constructor(
    readonly hub: Hub,
    readonly session: Session,
  ) {
    const { publishRate, publishBurst } = hub.options.limits;
    this.publishBucket = new TokenBucket(publishRate, publishBurst, hub.options.now);
  }

  /** Feeds one text frame from the transport. Never throws. */
  handleText(text: string): void {
    if (this.state === 'closed') return;
    const limit = this.hub.options.limits.maxMessageSize;
    if (text.length > limit || (text.length * 3 > limit && Buffer.byteLength(text) > limit)) {
      this.close(DisconnectCode.messageTooLarge, 'message too large');
      return;
    }
    const decoded = decodeCommand(text);
    if (decoded.kind === 'fatal') {
      this.close(DisconnectCode.badRequest, decoded.reason);
    } else if (decoded.kind === 'error') {
      this.replyError(decoded.id, decoded.error.toWire());
    } else {
      dispatchCommand(this, decoded.id, decoded.method, decoded.params).catch((error: unknown) => {
        if (!(error instanceof HubError)) this.hub.reportInternalError(error);
        this.replyError(decoded.id, toWireError(error));
      });
    }
  }

  /** The transport has closed on its own (the peer left, the network failed). */
  handleClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.hub.forget(this);
  }

  /** Ends the connection with a close code; idempotent. */
  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.session.close(code, reason);
    this.hub.forget(this);
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  clientInfo(chanInfo?: unknown): ClientInfo {
    const info: ClientInfo = { client: this.id, user: this.user };
    if (this.connInfo !== undefined) info.connInfo = this.connInfo;
    if (chanInfo !== undefined) info.chanInfo = chanInfo;
    return info;
  }

  /** True while this exact subscription is still the connection's live one. */
  holds(subscription: ClientSubscription): boolean {
    return this.state !== 'closed' && this.subscriptions.get(subscription.channel) === subscription;
  }

  deliver(channel: string, message: OutboundMessage, offset: number): void {
    const subscription = this.subscriptions.get(channel);
    if (subscription === undefined) return;
    if (subscription.state === 'pending') {
      subscription.buffer.push({ message, offset });
      return;
    }
    if (offset > 0) subscription.offset = offset;
    this.send(message);
  }

  /** Sends the pushes that waited for the subscribe reply, minus those the reply covered. */
  activate(subscription: ClientSubscription): void {
    subscription.state = 'active';
    const waiting = subscription.buffer;
    subscription.buffer = [];
    for (const { message, offset } of waiting) {
      if (this.state === 'closed') return;
      if (offset > 0) {
        if (offset <= subscription.offset) continue;
        subscription.offset = offset;
      }
      this.send(message);
    }
  }

  reply(id: number, result: unknown): void {
    this.send(new OutboundMessage(encodeResult(id, result)));
  }

  replyError(id: number, error: WireError): void {
    this.send(new OutboundMessage(encodeError(id, error)));
  }

  /** Sends, then enforces the slow-consumer policy on what the session has queued. */
  send(message: OutboundMessage): void {
    if (this.state === 'closed') return;
    this.session.send(message);
    if (this.session.bufferedAmount > this.hub.options.limits.highWaterMark) {
      this.hub.stats.slowConsumerDisconnects += 1;
      this.close(DisconnectCode.slowConsumer, 'slow consumer');
    }
  }
}
