// Shared by the client tests: a real server on 127.0.0.1, tokens, a TCP proxy that can
// cut or stall every connection, and waiting without fixed sleeps.

import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { createServer, type VolleyServer, type VolleyServerOptions } from '../../src/server/server.js';

export const SECRET = 'client-test-secret-that-is-long-enough-for-hs256';

export const NAMESPACES = {
  chat: { presence: true, joinLeave: true, historySize: 10_000, historyTtlMs: 600_000 },
  live: {},
};

export interface TestServer {
  server: VolleyServer;
  port: number;
  url: string;
}

export async function startServer(options: VolleyServerOptions = {}): Promise<TestServer> {
  const server = createServer({
    port: 0,
    host: '127.0.0.1',
    auth: { hmacSecret: SECRET },
    namespaces: NAMESPACES,
    ...options,
  });
  server.hub.registerRpc('echo', ({ user, data }) => ({ user, data }));
  const { port } = await server.listen();
  return { server, port, url: `ws://127.0.0.1:${port}/connection/websocket` };
}

/** A connection token for `user`, valid `ttlSec` seconds. */
export function mintToken(user: string, ttlSec = 3600, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ ...claims, sub: user })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSec)
    .sign(new TextEncoder().encode(SECRET));
}

/** Waits until `check()` holds, polling; fails after `timeoutMs` with `what`. */
export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A TCP proxy in front of the server. `cut()` destroys every connection at once (both
 * sides see the TCP connection die); `stall()` silently stops forwarding on the current
 * connections (nobody sees a close: only a heartbeat can tell) while new ones work;
 * `down()` cuts and refuses new connections until `up()`; `isolate()` stalls and refuses.
 */
export class TcpProxy {
  readonly connectTimes: number[] = [];
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private readonly server: net.Server;
  private refusing = false;
  port = 0;

  constructor(private targetPort: number) {
    this.server = net.createServer((client) => this.accept(client));
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/connection/websocket`;
  }

  get connectionCount(): number {
    return this.pairs.size;
  }

  async listen(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  retarget(port: number): void {
    this.targetPort = port;
  }

  cut(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  stall(): void {
    for (const [a, b] of this.pairs) {
      a.unpipe();
      b.unpipe();
      a.pause();
      b.pause();
    }
  }

  down(): void {
    this.refusing = true;
    this.cut();
  }

  /** The client's network is gone: current connections stall (no close seen by either side), new ones are refused until `up()`. */
  isolate(): void {
    this.refusing = true;
    this.stall();
  }

  up(): void {
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.connectTimes.push(Date.now());
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', drop);
      socket.on('close', drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
