// GET /connection/events?channel=A&channel=B: unidirectional SSE for consumers with no SDK
// (EventSource, curl). The token comes as `Authorization: Bearer T` or `?token=T`; a
// private channel's subscription token as `?token.CHANNEL=T`; Last-Event-ID (header, or
// `?lastEventId=` for links) resumes every channel from history.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Hub } from '../../hub/hub.js';
import { refusals, sendError, TransportError } from '../http-answers.js';
import type { ResolvedTransportOptions } from '../options.js';
import type { SessionCaps } from '../session-caps.js';
import { decodePosition } from './event-position.js';
import { EventsStream, type EventsRequest } from './events-stream.js';

export class EventsEndpoint {
  private readonly streams = new Set<EventsStream>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly hub: Hub,
    private readonly options: ResolvedTransportOptions,
    private readonly caps: SessionCaps,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  handle(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): void {
    let request: EventsRequest;
    try {
      request = this.parse(req);
    } catch (error) {
      if (error instanceof TransportError) sendError(res, error, cors);
      else throw error;
      return;
    }
    const release = this.caps.take(req.socket.remoteAddress ?? '');
    if (typeof release !== 'function') {
      sendError(res, release, cors);
      return;
    }
    const stream = new EventsStream(res, request, cors, this.now, () => {
      this.streams.delete(stream);
      release();
      if (this.streams.size === 0) this.stop();
    });
    this.streams.add(stream);
    this.startTimer();
    res.on('close', () => stream.handleGone());
    stream.start(this.hub.connect(stream));
  }

  closeAll(code: number, reason: string): void {
    for (const stream of [...this.streams]) stream.close(code, reason);
    this.stop();
  }

  private parse(req: IncomingMessage): EventsRequest {
    const url = req.url ?? '';
    const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
    const channels = query.getAll('channel');
    if (channels.length === 0) throw refusals.badRequest('give at least one channel');
    if (channels.length > this.options.maxEventChannels) throw refusals.badRequest(`at most ${this.options.maxEventChannels} channels`);
    if (new Set(channels).size !== channels.length) throw refusals.badRequest('a channel is listed twice');
    const authorization = req.headers.authorization;
    let token = query.get('token') ?? undefined;
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (match === null) throw new TransportError(401, 'unauthorized', 'Authorization must be "Bearer TOKEN"');
      token = match[1];
    }
    const subscriptionTokens = new Map<string, string>();
    for (const [key, value] of query) {
      if (key.startsWith('token.')) subscriptionTokens.set(key.slice('token.'.length), value);
    }
    const header = req.headers['last-event-id'];
    const lastEventId = (typeof header === 'string' && header !== '' ? header : undefined) ?? query.get('lastEventId') ?? undefined;
    return { channels, token, subscriptionTokens, resumeFrom: lastEventId === undefined ? undefined : decodePosition(lastEventId) };
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    const every = this.options.heartbeatMs;
    this.timer = setInterval(() => {
      const now = this.now();
      for (const stream of this.streams) stream.heartbeat(now, every);
    }, Math.max(25, Math.min(1_000, Math.floor(every / 4))));
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
