// Asking another node of the cluster through the broker: the HTTP API's `connections`
// with `node` set to another node's id is answered by that node. Each node listens on its
// own internal channel; a question carries the asker's id, the answer goes to the asker's
// channel. Like the snapshots (node-stats.ts), the channel names hold a space, which no
// client's channel name may, so no client can listen in or ask.

import { randomUUID } from 'node:crypto';
import type { Broker, BrokerEvent } from '../broker/broker.js';
import { HubError, toWireError } from '../hub/errors.js';
import type { WireError } from '../wire/index.js';

/** The internal channel a node listens on for questions and answers. */
export const nodeChannel = (node: string) => `volley internal:node:${node}`;

/** Questions waiting for an answer at most (more are refused with too_many_requests). */
const MAX_PENDING = 100;
/** Largest answer sent through the broker; a larger one is refused, asking for a smaller page. */
export const MAX_ANSWER_BYTES = 512 * 1024;
const MAX_MESSAGE_BYTES = MAX_ANSWER_BYTES + 4_096;

/** Answers one kind of question from its params; a thrown HubError goes back as the error. */
export type QueryHandler = (params: Record<string, unknown>) => Promise<unknown> | unknown;

type Message =
  | { type: 'ask'; id: string; from: string; method: string; params: Record<string, unknown> }
  | { type: 'answer'; id: string; result?: unknown; error?: WireError };

export class NodeQueries {
  private readonly pending = new Map<string, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private subscribed: Promise<void> | undefined;

  constructor(
    private readonly broker: Broker,
    readonly nodeId: string,
    private readonly handlers: Record<string, QueryHandler>,
    private readonly timeoutMs = 2_000,
  ) {}

  /** Listens on this node's channel; a failure is retried on the next ask. */
  start(): Promise<void> {
    if (this.subscribed === undefined) {
      const attempt = this.broker.subscribe(nodeChannel(this.nodeId), (event) => this.receive(event));
      this.subscribed = attempt;
      attempt.catch(() => {
        if (this.subscribed === attempt) this.subscribed = undefined;
      });
    }
    return this.subscribed;
  }

  async stop(): Promise<void> {
    for (const [id, { reject, timer }] of this.pending) {
      clearTimeout(timer);
      reject(new HubError('unavailable', 'the server is shutting down'));
      this.pending.delete(id);
    }
    if (this.subscribed !== undefined) await this.broker.unsubscribe(nodeChannel(this.nodeId)).catch(() => {});
    this.subscribed = undefined;
  }

  /** Asks node `node`; rejects with a HubError: unavailable when no answer comes within the timeout. */
  async ask(node: string, method: string, params: Record<string, unknown>): Promise<unknown> {
    if (this.pending.size >= MAX_PENDING) throw new HubError('tooManyRequests', 'too many questions to other nodes at once');
    const id = randomUUID();
    // Registered before anything is awaited, so that the bound holds for questions being sent.
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HubError('unavailable', `node "${node}" did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    const question: Message = { type: 'ask', id, from: this.nodeId, method, params };
    this.start()
      .then(() => this.broker.publish(nodeChannel(node), JSON.stringify(question)))
      .catch((error: unknown) => this.settle(id, undefined, toWireError(error)));
    return answer;
  }

  private receive(event: BrokerEvent): void {
    if (event.type !== 'publication' || event.publication.data.length > MAX_MESSAGE_BYTES) return;
    let message: Message;
    try {
      message = JSON.parse(event.publication.data) as Message;
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null || typeof message.id !== 'string') return;
    if (message.type === 'answer') this.settle(message.id, message.result, message.error);
    else if (message.type === 'ask' && typeof message.from === 'string' && typeof message.method === 'string') void this.answer(message);
  }

  private async answer(question: Extract<Message, { type: 'ask' }>): Promise<void> {
    let reply: Message;
    try {
      const handler = Object.hasOwn(this.handlers, question.method) ? this.handlers[question.method] : undefined;
      if (handler === undefined) throw new HubError('unknownCommand', `node "${this.nodeId}" does not answer "${question.method}"`);
      const params = typeof question.params === 'object' && question.params !== null ? question.params : {};
      reply = { type: 'answer', id: question.id, result: await handler(params) };
    } catch (error) {
      reply = { type: 'answer', id: question.id, error: toWireError(error) };
    }
    let text = JSON.stringify(reply);
    if (text.length > MAX_ANSWER_BYTES) {
      const error = new HubError('messageTooLarge', `the answer is over ${MAX_ANSWER_BYTES} bytes: ask for a smaller page`).toWire();
      text = JSON.stringify({ type: 'answer', id: question.id, error } satisfies Message);
    }
    await this.broker.publish(nodeChannel(question.from), text).catch(() => {
      // The broker is away: the asker times out with `unavailable`.
    });
  }

  private settle(id: string, result: unknown, error: WireError | undefined): void {
    const waiting = this.pending.get(id);
    if (waiting === undefined) return;
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    if (error === undefined) waiting.resolve(result);
    // The other node's error, code and name as it sent them.
    else waiting.reject(Object.assign(new HubError('internal', error.message ?? 'failed'), { code: error.code, errorName: error.name }));
  }
}
