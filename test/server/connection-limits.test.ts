// Connection limits and timeouts of VolleyServer, with real sockets: over a limit a request
// or an upgrade gets 503 and the refusal is counted; silent and slow sockets are closed
// after the handshake timeout; an open WebSocket is not.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { SUBPROTOCOL } from '../../src/wire/index.js';
import { createServer, type VolleyServer, type VolleyServerOptions } from '../../src/server/server.js';
import { WebSocket } from '../../src/ws/index.js';

const servers: VolleyServer[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: VolleyServerOptions): Promise<{ server: VolleyServer; port: number }> {
  const server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, heartbeatIntervalMs: 0, shutdownTimeoutMs: 1_000, ...options });
  servers.push(server);
  const { port } = await server.listen();
  return { server, port };
}

/** Polls a condition the server reaches by itself (no fixed sleep decides a result). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function rawSocket(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  await once(socket, 'connect');
  return socket;
}

/** The status of a plain GET on a fresh connection. */
function get(port: number, path = '/connection/websocket'): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
  });
}

/** Opens a hub WebSocket; resolves with it, or rejects with the handshake error. */
async function openWebSocket(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`, [SUBPROTOCOL]);
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

describe('connection limits', () => {
  it('maxConnections: a request and an upgrade over it get 503 and are counted; a freed slot is usable again', async () => {
    const { server, port } = await start({ maxConnections: 2 });
    const first = await rawSocket(port);
    await rawSocket(port);
    await until(() => server.stats.connections === 2);

    const refused = await get(port, '/anything');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '5');
    await assert.rejects(openWebSocket(port), /503/);
    assert.equal(server.stats.connectionsRefused, 2);

    first.destroy();
    await until(() => server.stats.connections === 1);
    const ws = await openWebSocket(port);
    assert.equal(server.stats.connections, 2);
    ws.close();
    await once(ws, 'close');
  });

  it('maxConnectionsPerAddress applies to loopback peers only when exemptLoopback is false', async () => {
    const strict = await start({ maxConnectionsPerAddress: 1, exemptLoopback: false });
    await rawSocket(strict.port);
    await until(() => strict.server.stats.connections === 1);
    assert.equal((await get(strict.port)).status, 503);
    assert.equal(strict.server.stats.connectionsRefused, 1);

    const exempt = await start({ maxConnectionsPerAddress: 1 });
    await rawSocket(exempt.port);
    await until(() => exempt.server.stats.connections === 1);
    assert.equal((await get(exempt.port)).status, 426, 'loopback is exempt by default');
    assert.equal(exempt.server.stats.connectionsRefused, 0);
  });

  it('a connection over the limit that sends nothing is dropped, not held', async () => {
    const { server, port } = await start({ maxConnections: 1 });
    await rawSocket(port);
    await until(() => server.stats.connections === 1);
    const silent = await rawSocket(port);
    await once(silent, 'close');
    assert.equal(server.stats.connectionsRefused, 1);
  });

  it('attached to an http.Server, the WebSocket upgrades are counted and refused with 503', async () => {
    const existing = http.createServer((_req, res) => res.end('theirs'));
    const server = createServer({ server: existing, allowAnonymous: true, heartbeatIntervalMs: 0, maxConnections: 1 });
    servers.push(server);
    await new Promise<void>((resolve) => existing.listen(0, '127.0.0.1', resolve));
    const { port } = existing.address() as AddressInfo;
    try {
      const ws = await openWebSocket(port);
      await assert.rejects(openWebSocket(port), /503/);
      assert.equal((await get(port, '/theirs')).status, 200, 'their HTTP routes are not limited');
      assert.equal(server.stats.connectionsRefused, 1);
      ws.close();
      await once(ws, 'close');
      await until(() => server.stats.connections === 0);
      (await openWebSocket(port)).terminate();
    } finally {
      existing.closeAllConnections();
      existing.close();
    }
  });
});

describe('timeouts', () => {
  it('a silent socket and a slowloris get 408 and are closed after handshakeTimeoutMs; an open WebSocket stays', async () => {
    const { server, port } = await start({ handshakeTimeoutMs: 300, requestTimeoutMs: 300 });
    const ws = await openWebSocket(port);
    let wsClosed = false;
    ws.on('close', () => (wsClosed = true));

    const silent = await rawSocket(port);
    let silentAnswer = '';
    silent.on('data', (d) => (silentAnswer += d));

    const slow = await rawSocket(port);
    let slowAnswer = '';
    slow.on('data', (d) => (slowAnswer += d));
    slow.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => slow.write('X-Drip: 1\r\n'), 50);
    try {
      await Promise.all([once(silent, 'close'), once(slow, 'close')]);
    } finally {
      clearInterval(drip);
    }
    assert.match(silentAnswer, /^HTTP\/1\.1 408/);
    assert.match(slowAnswer, /^HTTP\/1\.1 408/);
    // Both timed out, so the WebSocket opened before them has been open longer than the timeout.
    assert.equal(wsClosed, false);
    assert.equal(ws.readyState, WebSocket.OPEN);
    const reply = once(ws, 'message');
    ws.send(JSON.stringify({ id: 1, method: 'connect', params: {} }));
    assert.equal(JSON.parse(String(((await reply) as [Buffer])[0])).id, 1);
    ws.close();
    await once(ws, 'close');
    assert.equal(server.stats.connectionsRefused, 0);
  });
});
