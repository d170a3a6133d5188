// One GET /connection/events: a hub Session driven with the same commands a client would
// send (connect with the token, then subscribe to each channel with its last position), so
// auth, permissions, limits and recovery are the hub's own. Publications become SSE events
// whose id is the position of every followed channel; a recovery that fails is a `gap`.
// Nothing is written until every subscribe has succeeded, so a refusal is an HTTP status.

import type { ServerResponse } from 'node:http';
import type { Connection } from '../../hub/connection.js';
import type { OutboundMessage, Session } from '../../hub/session.js';
import { DisconnectCode, WireErrorCode, type Publication, type PublicationPush, type SubscribeResult, type WireError } from '../../wire/index.js';
import { sendError, streamHeaders, TransportError } from '../http-answers.js';
import { sseData } from '../sse-format.js';
import { encodePosition, type ChannelPosition } from './event-position.js';

export interface EventsRequest {
  channels: string[];
  token: string | undefined;
  /** Subscription tokens of private channels, by channel. */
  subscriptionTokens: Map<string, string>;
  /** Positions from Last-Event-ID; undefined on a first request. */
  resumeFrom: Map<string, ChannelPosition> | undefined;
}

/** A push of a publication, parsed once per message for every events stream it goes to. */
interface ParsedPush {
  channel: string;
  offset: number;
  epoch: string | undefined;
  /** `data: {"channel","data","offset"}\n\n`; empty for a `gap` push. */
  body: Buffer;
  /** A `gap` push: publications before the next one were lost on their way to this node. */
  lost?: true;
}

const NO_BODY = Buffer.alloc(0);

type Parsed = { kind: 'reply'; id: number; result?: unknown; error?: WireError } | { kind: 'pub'; push: ParsedPush } | { kind: 'other' };

function parse(text: string): Parsed {
  const value = JSON.parse(text) as { id?: number; result?: unknown; error?: WireError } & Partial<PublicationPush>;
  if (typeof value.id === 'number') return { kind: 'reply', id: value.id, result: value.result, error: value.error };
  if (typeof value.pub === 'string') return { kind: 'pub', push: pushOf(value.pub, value) };
  const push = value as { push?: unknown; channel?: unknown };
  if (push.push === 'gap' && typeof push.channel === 'string') return { kind: 'pub', push: { channel: push.channel, offset: 0, epoch: undefined, body: NO_BODY, lost: true } };
  return { kind: 'other' };
}

function pushOf(channel: string, pub: Publication): ParsedPush {
  const offset = pub.offset ?? 0;
  const event: Record<string, unknown> = { channel, data: pub.data };
  if (offset > 0) event.offset = offset;
  if (pub.info !== undefined) event.info = pub.info;
  return { channel, offset, epoch: pub.epoch, body: Buffer.from(`${sseData(JSON.stringify(event))}\n`) };
}

const STATUS_BY_CODE: Record<number, number> = {
  [WireErrorCode.unauthorized]: 401,
  [WireErrorCode.tokenExpired]: 401,
  [WireErrorCode.wrongTokenKind]: 401,
  [WireErrorCode.permissionDenied]: 403,
  [WireErrorCode.internal]: 503,
  [WireErrorCode.unavailable]: 503,
};

export class EventsStream implements Session {
  readonly transport = 'events';
  private connection: Connection | undefined;
  private readonly positions = new Map<string, ChannelPosition>();
  /** Subscribe replies still awaited, by command id. */
  private readonly awaiting = new Map<number, string>();
  private readonly replies = new Map<string, SubscribeResult>();
  /** Pushes that came before the stream started. */
  private early: ParsedPush[] = [];
  private earlyBytes = 0;
  private started = false;
  private over = false;
  lastWriteAt = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly request: EventsRequest,
    private readonly cors: Record<string, string>,
    private readonly now: () => number,
    private readonly onEnd: () => void,
  ) {}

  get bufferedAmount(): number {
    return this.earlyBytes + this.res.writableLength;
  }

  /** Sends connect, then one subscribe per channel. */
  start(connection: Connection): void {
    this.connection = connection;
    const connect: Record<string, unknown> = { name: 'events' };
    if (this.request.token !== undefined) connect.token = this.request.token;
    connection.handleText(JSON.stringify({ id: 1, method: 'connect', params: connect }));
  }

  send(message: OutboundMessage): void {
    if (this.over) return;
    let parsed: Parsed;
    try {
      parsed = message.encoded(this.transport, parse);
    } catch {
      return;
    }
    if (parsed.kind === 'reply') this.handleReply(parsed.id, parsed.result, parsed.error);
    else if (parsed.kind === 'pub') this.handlePush(parsed.push);
  }

  close(code: number, reason: string): void {
    if (this.over) return;
    if (!this.started) {
      this.fail(new TransportError(code === DisconnectCode.shutdown ? 503 : 400, code === DisconnectCode.shutdown ? 'unavailable' : 'badRequest', reason));
      return;
    }
    this.over = true;
    if (code === DisconnectCode.slowConsumer) this.res.destroy();
    else this.res.end(`event: close\n${sseData(JSON.stringify({ code, reason }))}\n`);
    this.onEnd();
  }

  /** The client went away. */
  handleGone(): void {
    if (this.over) return;
    this.over = true;
    this.connection?.handleClose();
    this.onEnd();
  }

  heartbeat(now: number, everyMs: number): void {
    if (!this.started || this.over || now - this.lastWriteAt < everyMs) return;
    this.write(': \n\n');
  }

  private handleReply(id: number, result: unknown, error: WireError | undefined): void {
    if (error !== undefined) {
      const status = STATUS_BY_CODE[error.code] ?? 400;
      const refusal = new TransportError(status, 'badRequest', error.message);
      this.fail(refusal, error);
      return;
    }
    if (id === 1) {
      this.request.channels.forEach((channel, i) => {
        const params: Record<string, unknown> = { channel };
        const since = this.request.resumeFrom?.get(channel);
        if (since) params.since = since;
        const token = this.request.subscriptionTokens.get(channel);
        if (token !== undefined) params.token = token;
        this.awaiting.set(i + 2, channel);
        this.connection?.handleText(JSON.stringify({ id: i + 2, method: 'subscribe', params }));
      });
      return;
    }
    const channel = this.awaiting.get(id);
    if (channel === undefined) return;
    this.awaiting.delete(id);
    const reply = result as SubscribeResult;
    this.replies.set(channel, reply);
    // A recovery starts from the client's position: the recovered publications advance it.
    const since = this.request.resumeFrom?.get(channel);
    const start = reply.recovered === true && since ? since.offset : (reply.offset ?? 0);
    this.positions.set(channel, reply.recoverable ? { offset: start, epoch: reply.epoch ?? '' } : null);
    if (this.awaiting.size === 0) this.begin();
  }

  private handlePush(push: ParsedPush): void {
    if (!this.started) {
      this.early.push(push);
      this.earlyBytes += push.body.length;
      return;
    }
    this.emit(push);
  }

  /** Every subscribe succeeded: the headers, then per channel what was recovered or the gap, then what came meanwhile. */
  private begin(): void {
    this.started = true;
    this.res.writeHead(200, { ...streamHeaders('text/event-stream; charset=utf-8'), ...this.cors });
    const resuming = this.request.resumeFrom !== undefined;
    for (const channel of this.request.channels) {
      const reply = this.replies.get(channel)!;
      if (!resuming) continue;
      if (!reply.recoverable) this.gap(channel, 'the channel keeps no history');
      else if (!this.request.resumeFrom!.get(channel)) {
        if (this.request.resumeFrom!.has(channel)) this.gap(channel, 'the channel kept no history before');
      } else if (reply.recovered === false) this.gap(channel, 'the position is no longer in the history');
      else for (const pub of reply.publications ?? []) this.emit(pushOf(channel, pub));
    }
    this.replies.clear();
    const early = this.early;
    this.early = [];
    this.earlyBytes = 0;
    for (const push of early) this.emit(push);
    if (this.res.writableLength === 0) this.write(': open\n\n');
  }

  private emit(push: ParsedPush): void {
    if (push.lost) {
      this.gap(push.channel, 'publications were lost on their way to the server');
      return;
    }
    const position = this.positions.get(push.channel);
    if (position !== undefined && position !== null && push.offset > 0) {
      if (push.offset <= position.offset && (push.epoch === undefined || push.epoch === position.epoch)) return; // recovered already
      this.positions.set(push.channel, { offset: push.offset, epoch: push.epoch ?? position.epoch });
    }
    this.res.cork();
    this.res.write(`id: ${encodePosition(this.positions)}\n`);
    this.res.write(push.body);
    this.res.uncork();
    this.lastWriteAt = this.now();
  }

  private gap(channel: string, reason: string): void {
    this.write(`id: ${encodePosition(this.positions)}\nevent: gap\n${sseData(JSON.stringify({ channel, reason }))}\n`);
  }

  private write(text: string): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.write(text);
    this.lastWriteAt = this.now();
  }

  private fail(refusal: TransportError, wire?: WireError): void {
    if (this.over) return;
    this.over = true;
    if (this.started) this.res.end(`event: close\n${sseData(JSON.stringify({ code: DisconnectCode.badRequest, reason: refusal.message }))}\n`);
    else if (wire !== undefined) sendWireError(this.res, refusal.status, wire, this.cors);
    else sendError(this.res, refusal, this.cors);
    this.connection?.close(DisconnectCode.badRequest, refusal.message);
    this.onEnd();
  }
}

/** The hub's own error (its code and name) with an HTTP status. */
function sendWireError(res: ServerResponse, status: number, error: WireError, cors: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...cors });
  res.end(body);
}
