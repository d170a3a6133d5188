// Drives the hub through fake sessions: no sockets, a fake clock, replies awaited by id.

import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { Hub } from '../../src/hub/hub.js';
import type { Connection } from '../../src/hub/connection.js';
import { MemoryBroker } from '../../src/broker/memory.js';
import type { HubOptions } from '../../src/hub/options.js';
import type { OutboundMessage, Session } from '../../src/hub/session.js';
import type { Method } from '../../src/wire/index.js';

export const SECRET = 'test-secret-that-is-long-enough-for-hs256';

export class FakeClock {
  time = Date.UTC(2030, 0, 1);
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
  get seconds(): number {
    return Math.floor(this.time / 1000);
  }
}

export class FakeSession implements Session {
  readonly sent: OutboundMessage[] = [];
  closed: { code: number; reason: string } | undefined;
  /** Bytes the transport holds unsent: it grows only while `stalled`, as a peer that stopped reading. */
  bufferedAmount = 0;
  stalled = false;
  constructor(readonly transport = 'websocket') {}
  send(message: OutboundMessage): void {
    this.sent.push(message);
    if (this.stalled) this.bufferedAmount += message.byteLength;
  }
  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }
}

/** Waits for a condition over event-loop turns, never over wall-clock time. */
export async function eventually(check: () => boolean, turns = 5_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail('condition never became true');
}

/** Lets every pending promise chain run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

type Json = any;

export class TestClient {
  readonly session = new FakeSession();
  readonly connection: Connection;
  private nextId = 1;
  private read = 0;

  constructor(readonly hub: Hub) {
    this.connection = hub.connect(this.session);
  }

  get closed(): { code: number; reason: string } | undefined {
    return this.session.closed;
  }

  /** The close code, if the hub closed the session (a method, so assertions do not narrow it). */
  closeCode(): number | undefined {
    return this.session.closed?.code;
  }

  messages(): Json[] {
    return this.session.sent.map((m) => JSON.parse(m.text));
  }

  send(text: string): void {
    this.connection.handleText(text);
  }

  /** Sends a command and returns its reply ({id, result} or {id, error}). */
  async request(method: Method | string, params?: unknown): Promise<Json> {
    const id = this.nextId++;
    this.send(JSON.stringify(params === undefined ? { id, method } : { id, method, params }));
    let reply: Json;
    await eventually(() => {
      reply = this.messages().find((m) => m.id === id);
      return reply !== undefined || this.closed !== undefined;
    });
    if (reply === undefined) await settle();
    reply ??= this.messages().find((m) => m.id === id);
    assert.ok(reply !== undefined, `no reply to ${method}; closed with ${JSON.stringify(this.closed)}`);
    return reply;
  }

  async call(method: Method | string, params?: unknown): Promise<Json> {
    const reply = await this.request(method, params);
    assert.equal(reply.error, undefined, `${method} failed: ${JSON.stringify(reply.error)}`);
    return reply.result;
  }

  async expectError(method: Method | string, params: unknown, code: number): Promise<Json> {
    const reply = await this.request(method, params);
    assert.ok(reply.error !== undefined, `${method} should fail with ${code}, got ${JSON.stringify(reply.result)}`);
    assert.equal(reply.error.code, code, `expected ${code}, got ${JSON.stringify(reply.error)}`);
    assert.equal(typeof reply.error.name, 'string');
    return reply.error;
  }

  /** Pushes received since the previous call. */
  newPushes(): Json[] {
    const all = this.session.sent.slice(this.read).map((m) => JSON.parse(m.text));
    this.read = this.session.sent.length;
    return all.filter(isPushMessage);
  }

  pushes(): Json[] {
    return this.messages().filter(isPushMessage);
  }
}

/** A publication push (`{"pub": channel, …}`) or a join/leave push (`{"push": …}`). */
function isPushMessage(message: Json): boolean {
  return typeof message.pub === 'string' || message.push !== undefined;
}

/** The publication a publication push carries: its fields without the channel (`pub`). */
export function publicationOf(push: Json): Json {
  const { pub: _channel, ...publication } = push;
  return publication;
}

export interface TestHub {
  hub: Hub;
  clock: FakeClock;
  client(params?: { token?: string }): Promise<TestClient>;
}

/** A hub with a fake clock and no timers; `client()` returns a connected client. */
export function makeHub(options: HubOptions = {}): TestHub {
  const clock = new FakeClock();
  const hub = new Hub({ sweepIntervalMs: 0, now: clock.now, allowAnonymous: true, ...options, broker: options.broker ?? new MemoryBroker({ pruneIntervalMs: 0 }) });
  hub.onInternalError = () => {};
  return {
    hub,
    clock,
    async client(params = {}) {
      const client = new TestClient(hub);
      await client.call('connect', params);
      return client;
    },
  };
}

export async function hsToken(claims: Record<string, unknown>, options: { expiresAt?: number; secret?: string; audience?: string } = {}): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
  if (options.expiresAt !== undefined) jwt = jwt.setExpirationTime(options.expiresAt);
  if (options.audience !== undefined) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}
