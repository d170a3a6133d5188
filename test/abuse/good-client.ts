// A well-behaved client (the npm `ws` package, reading everything at once) and the probe
// every abuse test runs while it attacks: the server must keep serving such a client.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { AbuseServer } from './server.js';

export interface Reply {
  id: number;
  result?: any;
  error?: { code: number; name: string; message: string };
}

const REPLY_TIMEOUT_MS = 20_000;

/** A volley.v1 connection: numbered commands, replies matched by id, pushes collected. */
export class HubClient {
  readonly pushes: any[] = [];
  /** Every reply, in arrival order (a test counts them per id). */
  readonly replies: Reply[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private readonly pushWaiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.push !== undefined || typeof message.pub === 'string') {
        this.pushes.push(message);
        for (const wake of this.pushWaiters) wake();
        return;
      }
      this.replies.push(message);
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code) => {
        this.closeCode = code;
        for (const wake of this.pushWaiters) wake();
        resolve(code);
      }),
    );
    ws.on('error', () => {});
  }

  static async open(url: string, options: { localAddress?: string } = {}): Promise<HubClient> {
    const ws = new WebSocket(url, 'volley.v1', { perMessageDeflate: false, ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)));
    });
    return new HubClient(ws);
  }

  /** Opens and sends `connect` (anonymous without a token); throws if refused. */
  static async connect(url: string, token?: string): Promise<HubClient> {
    const client = await HubClient.open(url);
    const reply = await client.request('connect', token === undefined ? {} : { token });
    if (reply.error) throw new Error(`connect refused: ${JSON.stringify(reply.error)}`);
    return client;
  }

  /** Sends a command without waiting; returns its id. */
  send(method: string, params?: unknown): number {
    const id = this.nextId++;
    this.ws.send(JSON.stringify(params === undefined ? { id, method } : { id, method, params }));
    return id;
  }

  /** Sends a command whose JSON text the caller writes (data JSON.stringify cannot make); returns its id. */
  sendRaw(text: (id: number) => string): number {
    const id = this.nextId++;
    this.ws.send(text(id));
    return id;
  }

  /** Resolves with the reply to command `id`. */
  reply(id: number): Promise<Reply> {
    const known = this.replies.find((r) => r.id === id);
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to command ${id} within ${REPLY_TIMEOUT_MS} ms (close code ${this.closeCode})`)), REPLY_TIMEOUT_MS);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  }

  request(method: string, params?: unknown): Promise<Reply> {
    return this.reply(this.send(method, params));
  }

  /** Resolves once `condition` holds over the pushes received; rejects if the connection closes first. */
  untilPushes(condition: (pushes: any[]) => boolean, what: string, timeoutMs = REPLY_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      const wake = () => {
        if (condition(this.pushes)) finish();
        else if (this.closeCode !== undefined) finish(new Error(`connection closed with ${this.closeCode} while waiting for ${what}`));
      };
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.pushWaiters.delete(wake);
        if (error) reject(error);
        else resolve();
      };
      this.pushWaiters.add(wake);
      wake();
    });
  }

  close(): void {
    this.ws.close(1000);
  }
}

/** An echo connection: sends one message and expects it back unchanged. */
export async function echoRoundTrip(echoUrl: string, payload: string): Promise<void> {
  const ws = new WebSocket(echoUrl, { perMessageDeflate: false });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const back = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no echo within ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS);
      ws.once('message', (data) => {
        clearTimeout(timer);
        resolve(String(data));
      });
    });
    ws.send(payload);
    assert.equal(await back, payload);
  } finally {
    ws.close(1000);
  }
}

/**
 * What a well-behaved user does, and must still be able to do while an attack runs: connect
 * to the hub, subscribe to a chat channel, publish and get the publication back; and an
 * echo round trip.
 */
export async function assertServesWellBehavedClient(server: AbuseServer): Promise<void> {
  const channel = `chat:probe-${randomUUID()}`;
  const client = await HubClient.connect(server.hubUrl);
  try {
    const subscribed = await client.request('subscribe', { channel });
    assert.equal(subscribed.error, undefined, `subscribe: ${JSON.stringify(subscribed.error)}`);
    const published = await client.request('publish', { channel, data: { text: 'still here' } });
    assert.equal(published.error, undefined, `publish: ${JSON.stringify(published.error)}`);
    await client.untilPushes((p) => p.some((m) => m.pub === channel && m.data.text === 'still here'), 'the probe publication');
  } finally {
    client.close();
  }
  await echoRoundTrip(server.echoUrl, `probe ${channel}`);
}
