// Node-to-node messages over any Broker: each node subscribes to its own inbox channel and
// others publish to it, one-way messages or requests answered by a reply with the same
// correlation id. A VolleyServer on a shared broker runs exactly one (the broker keeps one
// handler per channel, so a second inbox subscription for the same node would silence the
// first); the HTTP transports' any-node routing and the admin API's cross-node `connections`
// register their kinds on it. The inbox name starts with '~', which the channel grammar
// forbids, so no client channel can ever collide with it.
//
// Messages from one node to another arrive in the order they were sent (one engine
// connection per node, in-order publishes on Redis and NATS; synchronous in memory).

import { randomBytes } from 'node:crypto';
import type { Broker, BrokerEvent } from '../broker.js';

export const NODE_INBOX_PREFIX = '~node~';

/** What a node id may be: safe in an inbox channel on every broker and in a session id. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A new random node id (12 characters of base64url, 72 bits). */
export function newNodeId(): string {
  return randomBytes(9).toString('base64url');
}

export function isNodeId(value: string): boolean {
  return NODE_ID_PATTERN.test(value);
}

/** The broker channel of a node's inbox. */
export function inboxOf(nodeId: string): string {
  return `${NODE_INBOX_PREFIX}${nodeId}`;
}

/** Answers a request; what it returns (or resolves with) is the reply, a throw is a RemoteError. */
export type RequestHandler = (body: unknown, from: string) => unknown;
export type MessageHandler = (body: unknown, from: string) => void;

export interface NodeLinkOptions {
  /** How long request() waits for a reply. Default 5000. */
  timeoutMs?: number;
  /** Requests waiting for a reply at once, all kinds together; more fail at once ('full'). Default 10000. */
  maxPending?: number;
  /** Largest reply (bytes of JSON) this node sends; a larger one goes back as a 'too_large' failure. Default 524288. */
  maxReplyBytes?: number;
}

export const NODE_LINK_DEFAULTS = { timeoutMs: 5_000, maxPending: 10_000, maxReplyBytes: 512 * 1024 } as const;

/**
 * Why a request failed: no reply in time, the remote handler threw, the reply was over the
 * answering node's maxReplyBytes, or this link is closed or has maxPending requests waiting.
 */
export class NodeLinkError extends Error {
  override readonly name = 'NodeLinkError';
  constructor(
    readonly reason: 'timeout' | 'remote' | 'too_large' | 'closed' | 'full',
    message: string,
  ) {
    super(message);
  }
}

interface Envelope {
  /** from */
  f: string;
  /** 'q' request, 'r' reply, 'm' one-way message */
  t: 'q' | 'r' | 'm';
  /** kind (requests and messages) */
  k?: string;
  /** correlation id (requests and replies) */
  i?: string;
  /** body */
  b?: unknown;
  /** error message of a failed request */
  e?: string;
  /** set on a failed request whose reply was too large */
  x?: 1;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class NodeLink {
  private readonly requestHandlers = new Map<string, RequestHandler>();
  private readonly messageHandlers = new Map<string, MessageHandler>();
  private readonly pending = new Map<string, Pending>();
  private readonly timeoutMs: number;
  private readonly maxPending: number;
  private readonly maxReplyBytes: number;
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private nextId = 0;
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly broker: Broker,
    readonly nodeId: string,
    options: NodeLinkOptions = {},
  ) {
    if (!isNodeId(nodeId)) throw new TypeError(`a node id is 1 to 64 of A-Z a-z 0-9 _ - (got ${JSON.stringify(nodeId)})`);
    this.timeoutMs = options.timeoutMs ?? NODE_LINK_DEFAULTS.timeoutMs;
    this.maxPending = options.maxPending ?? NODE_LINK_DEFAULTS.maxPending;
    this.maxReplyBytes = options.maxReplyBytes ?? NODE_LINK_DEFAULTS.maxReplyBytes;
  }

  /** Subscribes to this node's inbox; resolves once messages to it are delivered. A failed start is tried again by the next call. */
  start(): Promise<void> {
    if (this.started === undefined) {
      const attempt = this.broker.subscribe(inboxOf(this.nodeId), (event) => this.receive(event));
      this.started = attempt;
      attempt.catch(() => {
        if (this.started === attempt) this.started = undefined;
      });
    }
    return this.started;
  }

  /** Sets the handler of a request kind. One per kind: the link is shared, so a second one for a kind is a bug and throws. */
  handle(kind: string, handler: RequestHandler): void {
    if (this.requestHandlers.has(kind)) throw new Error(`request kind ${kind} already has a handler on this node link`);
    this.requestHandlers.set(kind, handler);
  }

  /** Sets the handler of a one-way message kind; one per kind, as handle(). */
  on(kind: string, handler: MessageHandler): void {
    if (this.messageHandlers.has(kind)) throw new Error(`message kind ${kind} already has a handler on this node link`);
    this.messageHandlers.set(kind, handler);
  }

  /** Removes the handlers of these kinds (a user of the link stopping); their requests then fail as unknown kinds. */
  remove(...kinds: string[]): void {
    for (const kind of kinds) {
      this.requestHandlers.delete(kind);
      this.messageHandlers.delete(kind);
    }
  }

  /** Sends a request to `node` and resolves with its reply; rejects with a NodeLinkError. */
  request(node: string, kind: string, body: unknown, timeoutMs = this.timeoutMs): Promise<unknown> {
    if (this.closed) return Promise.reject(new NodeLinkError('closed', 'the node link is closed'));
    if (!isNodeId(node)) return Promise.reject(new TypeError(`not a node id: ${JSON.stringify(node)}`));
    if (this.pending.size >= this.maxPending) return Promise.reject(new NodeLinkError('full', 'too many requests waiting for a reply'));
    const id = `${this.idPrefix}${(this.nextId++).toString(36)}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new NodeLinkError('timeout', `node ${node} did not answer ${kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.publish(node, { f: this.nodeId, t: 'q', k: kind, i: id, b: body }).catch((error: unknown) => {
        const waiting = this.pending.get(id);
        if (waiting === undefined) return;
        this.pending.delete(id);
        clearTimeout(waiting.timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  /** Sends a one-way message; resolves once the broker took it (not when it arrived). */
  send(node: string, kind: string, body: unknown): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!isNodeId(node)) return Promise.reject(new TypeError(`not a node id: ${JSON.stringify(node)}`));
    return this.publish(node, { f: this.nodeId, t: 'm', k: kind, b: body });
  }

  /** Leaves the inbox; requests still waiting fail with 'closed'. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new NodeLinkError('closed', 'the node link is closed'));
      this.pending.delete(id);
    }
    if (this.started !== undefined) await this.broker.unsubscribe(inboxOf(this.nodeId)).catch(() => {});
  }

  private async publish(node: string, envelope: Envelope): Promise<void> {
    await this.broker.publish(inboxOf(node), JSON.stringify(envelope));
  }

  private receive(event: BrokerEvent): void {
    if (this.closed || event.type !== 'publication') return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(event.publication.data) as Envelope;
    } catch {
      return;
    }
    if (typeof envelope !== 'object' || envelope === null || typeof envelope.f !== 'string' || !isNodeId(envelope.f)) return;
    if (envelope.t === 'r') this.settle(envelope);
    else if (envelope.t === 'q') void this.answer(envelope);
    else if (envelope.t === 'm') {
      const handler = this.messageHandlers.get(String(envelope.k));
      try {
        handler?.(envelope.b, envelope.f);
      } catch {
        // A failing handler must not stop the inbox.
      }
    }
  }

  private settle(reply: Envelope): void {
    const waiting = this.pending.get(String(reply.i));
    if (waiting === undefined) return; // timed out already
    this.pending.delete(String(reply.i));
    clearTimeout(waiting.timer);
    if (reply.e !== undefined) waiting.reject(new NodeLinkError(reply.x === 1 ? 'too_large' : 'remote', String(reply.e)));
    else waiting.resolve(reply.b);
  }

  private async answer(request: Envelope): Promise<void> {
    const reply: Envelope = { f: this.nodeId, t: 'r', i: request.i };
    const handler = this.requestHandlers.get(String(request.k));
    try {
      if (handler === undefined) throw new Error(`no handler for ${String(request.k)}`);
      reply.b = await handler(request.b, request.f);
    } catch (error) {
      reply.e = error instanceof Error ? error.message : String(error);
    }
    let text: string;
    try {
      text = JSON.stringify(reply);
    } catch (error) {
      text = JSON.stringify({ f: this.nodeId, t: 'r', i: request.i, e: `the reply to ${String(request.k)} is not JSON: ${String(error)}` } satisfies Envelope);
    }
    if (Buffer.byteLength(text) > this.maxReplyBytes) {
      text = JSON.stringify({ f: this.nodeId, t: 'r', i: request.i, x: 1, e: `the reply to ${String(request.k)} is over ${this.maxReplyBytes} bytes` } satisfies Envelope);
    }
    // The broker is away: the asker times out.
    await this.broker.publish(inboxOf(request.f), text).catch(() => {});
  }
}
