// Node-to-node messages over any Broker: each node subscribes to its own inbox channel and
// others publish to it, one-way messages or requests answered by a reply with the same
// correlation id. The HTTP transports route requests for a session to the node that holds
// it with this; an admin console may reuse it. The inbox name starts with '~', which the
// channel grammar forbids, so no client channel can ever collide with it.
//
// Messages from one node to another arrive in the order they were sent (one engine
// connection per node, in-order publishes on Redis and NATS; synchronous in memory).

import { randomBytes } from 'node:crypto';
import type { Broker, BrokerEvent } from '../broker.js';

export const NODE_INBOX_PREFIX = '~node~';

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
  /** Requests waiting for a reply at once; more fail at once. Default 10000. */
  maxPending?: number;
}

/** Why a request failed: no reply in time, the remote handler threw, or the link is closed or full. */
export class NodeLinkError extends Error {
  override readonly name = 'NodeLinkError';
  constructor(
    readonly reason: 'timeout' | 'remote' | 'closed' | 'full',
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
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private nextId = 0;
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly broker: Broker,
    readonly nodeId: string,
    options: NodeLinkOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxPending = options.maxPending ?? 10_000;
  }

  /** Subscribes to this node's inbox; resolves once messages to it are delivered. */
  start(): Promise<void> {
    this.started ??= this.broker.subscribe(inboxOf(this.nodeId), (event) => this.receive(event));
    return this.started;
  }

  /** Sets the handler of a request kind (one per kind). */
  handle(kind: string, handler: RequestHandler): void {
    this.requestHandlers.set(kind, handler);
  }

  /** Sets the handler of a one-way message kind (one per kind). */
  on(kind: string, handler: MessageHandler): void {
    this.messageHandlers.set(kind, handler);
  }

  /** Sends a request to `node` and resolves with its reply; rejects with a NodeLinkError. */
  request(node: string, kind: string, body: unknown, timeoutMs = this.timeoutMs): Promise<unknown> {
    if (this.closed) return Promise.reject(new NodeLinkError('closed', 'the node link is closed'));
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
    if (typeof envelope !== 'object' || envelope === null || typeof envelope.f !== 'string') return;
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
    if (reply.e !== undefined) waiting.reject(new NodeLinkError('remote', reply.e));
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
    await this.publish(request.f, reply).catch(() => {});
  }
}
