import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { createServer, type VolleyServer } from '../../src/server/server.js';
import { DisconnectCode, SUBPROTOCOL } from '../../src/wire/index.js';

const KEY = 'server-test-key';

/** A JSON client over a real socket: requests by id, pushes collected, close recorded. */
class WireClient {
  readonly pushes: any[] = [];
  readonly replies = new Map<number, any>();
  closed: { code: number; reason: string } | undefined;
  private nextId = 1;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.id !== undefined) this.replies.set(message.id, message);
      else this.pushes.push(message);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
  }

  static open(url: string, protocols: string[] = [SUBPROTOCOL]): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols);
      ws.once('open', () => resolve(new WireClient(ws)));
      ws.once('error', reject);
    });
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  async until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async call(method: string, params: unknown = {}): Promise<any> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    await this.until(() => this.replies.has(id) || this.closed !== undefined);
    const reply = this.replies.get(id);
    assert.ok(reply, `no reply to ${method}`);
    assert.equal(reply.error, undefined, JSON.stringify(reply.error));
    return reply.result;
  }

  async closedWith(): Promise<number> {
    await this.until(() => this.closed !== undefined);
    return this.closed!.code;
  }
}

describe('VolleyServer', () => {
  let server: VolleyServer;
  let base: string;
  let wsUrl: string;
  let staticDir: string;

  before(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'volley-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<h1>volley</h1>');
    mkdirSync(join(staticDir, 'js'));
    writeFileSync(join(staticDir, 'js', 'app.js'), 'console.log(1)');
    server = createServer({
      port: 0,
      host: '127.0.0.1',
      allowAnonymous: true,
      api: { apiKey: KEY },
      staticDir,
      heartbeatIntervalMs: 0,
      namespaces: { chat: { historySize: 10, presence: true } },
    });
    const { port } = await server.listen();
    base = `http://127.0.0.1:${port}`;
    wsUrl = `ws://127.0.0.1:${port}/connection/websocket`;
  });
  after(async () => {
    await server.close();
    rmSync(staticDir, { recursive: true, force: true });
  });

  it('connects over WebSocket with the volley.v1 subprotocol, subscribes and gets API publications', async () => {
    const client = await WireClient.open(wsUrl);
    assert.equal(client.ws.protocol, SUBPROTOCOL);
    const { client: id } = await client.call('connect', {});
    assert.equal(typeof id, 'string');
    await client.call('subscribe', { channel: 'chat:room' });
    const response = await fetch(`${base}/api/publish`, {
      method: 'POST',
      headers: { authorization: `apikey ${KEY}` },
      body: JSON.stringify({ channel: 'chat:room', data: { hello: 'world' } }),
    });
    assert.equal(response.status, 200);
    const { epoch } = ((await response.json()) as { result: { epoch: string } }).result;
    await client.until(() => client.pushes.length === 1);
    // The first publication of a stream carries its epoch (subscribing created no stream).
    assert.deepEqual(client.pushes[0], { pub: 'chat:room', offset: 1, epoch, data: { hello: 'world' } });
    await server.publish('chat:room', 'in code');
    await client.until(() => client.pushes.length === 2);
    assert.equal(client.pushes[1].data, 'in code');
    client.ws.close();
  });

  it('refuses an upgrade without the subprotocol with 400', async () => {
    await assert.rejects(WireClient.open(wsUrl, []), /400/);
  });

  it('answers 404 to upgrades on other paths, 426 to plain GET of the endpoint', async () => {
    await assert.rejects(WireClient.open(wsUrl.replace('/connection/websocket', '/elsewhere')), /404/);
    const plain = await fetch(`${base}/connection/websocket`);
    assert.equal(plain.status, 426);
    assert.equal(plain.headers.get('sec-websocket-version'), '13');
    await plain.arrayBuffer();
  });

  it('closes with 3501 on a frame that is not JSON and with 1003 on a binary frame', async () => {
    const a = await WireClient.open(wsUrl);
    a.ws.send('{nope');
    assert.equal(await a.closedWith(), DisconnectCode.badRequest);
    const b = await WireClient.open(wsUrl);
    b.ws.send(Buffer.from([1, 2, 3]));
    assert.equal(await b.closedWith(), 1003);
  });

  it('serves static files and nothing outside their directory', async () => {
    const index = await fetch(`${base}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(await index.text(), '<h1>volley</h1>');
    const js = await fetch(`${base}/js/app.js`);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    await js.arrayBuffer();
    const status = await new Promise<number>((resolve) => {
      http.get(`${base}/..%2f..%2fetc%2fpasswd`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
    });
    assert.equal(status, 404);
    const missing = await fetch(`${base}/missing.txt`);
    assert.equal(missing.status, 404);
    await missing.arrayBuffer();
  });

  it('does not follow a symbolic link out of the static directory; links inside it work', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'volley-outside-'));
    try {
      writeFileSync(join(outside, 'secret.txt'), 'not for the web');
      symlinkSync(join(outside, 'secret.txt'), join(staticDir, 'leak.txt'));
      symlinkSync(outside, join(staticDir, 'leakdir'));
      symlinkSync(join(staticDir, 'js', 'app.js'), join(staticDir, 'alias.js'));
      for (const path of ['/leak.txt', '/leakdir/secret.txt', '/leakdir/']) {
        const res = await fetch(`${base}${path}`);
        assert.equal(res.status, 404, path);
        assert.doesNotMatch(await res.text(), /not for the web/);
      }
      const inside = await fetch(`${base}/alias.js`);
      assert.equal(inside.status, 200);
      assert.equal(await inside.text(), 'console.log(1)');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('VolleyServer graceful shutdown', () => {
  it('closes clients with 1001, finishes in-flight API calls, refuses new ones', async () => {
    const server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, api: { apiKey: KEY }, heartbeatIntervalMs: 0 });
    const { port } = await server.listen();
    const client = await WireClient.open(`ws://127.0.0.1:${port}/connection/websocket`);
    await client.call('connect', {});
    let release!: () => void;
    const original = server.hub.presenceStats.bind(server.hub);
    server.hub.presenceStats = async (channel: string) => {
      await new Promise<void>((resolve) => (release = resolve));
      return original(channel);
    };
    const agent = new http.Agent({ keepAlive: false });
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = http.request(`http://127.0.0.1:${port}/api/presence_stats`, { method: 'POST', agent, headers: { authorization: `apikey ${KEY}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ channel: 'news' }));
    });
    while (server.api!.inFlight === 0) await new Promise((resolve) => setImmediate(resolve));
    const closing = server.close();
    assert.equal(await client.closedWith(), DisconnectCode.shutdown);
    release();
    assert.equal(await inFlight, 400, 'the in-flight call was answered (presence is off: not_available)');
    await closing;
    assert.equal(server.httpServer?.listening, false);
  });

  it('attaches to an existing http server and leaves its other routes alone', async () => {
    const existing = http.createServer();
    existing.on('request', (req, res) => {
      if (req.url === '/mine') res.end('their route');
    });
    const server = createServer({ server: existing, allowAnonymous: true, heartbeatIntervalMs: 0 });
    await new Promise<void>((resolve) => existing.listen(0, '127.0.0.1', resolve));
    const { port } = existing.address() as AddressInfo;
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/mine`)).text(), 'their route');
    const client = await WireClient.open(`ws://127.0.0.1:${port}/connection/websocket`);
    await client.call('connect', {});
    await server.close();
    assert.equal(await client.closedWith(), DisconnectCode.shutdown);
    assert.equal(existing.listening, true, 'an attached server is not closed');
    await new Promise<void>((resolve) => existing.close(() => resolve()));
  });
});

it('detached: a host routes requests and upgrades; other paths are left to it', async () => {
  const { once } = (await import('node:events')).EventEmitter;
  const { WebSocket: VolleySocket } = await import('../../src/ws/index.js');
  const volley = createServer({ detached: true, allowAnonymous: true, heartbeatIntervalMs: 0 });
  await volley.ready();
  await assert.rejects(volley.listen(), /detached/);
  const host = http.createServer((req, res) => {
    if (!volley.handleRequest(req, res)) res.writeHead(200).end('host');
  });
  host.on('upgrade', (req, socket, head) => {
    if (!volley.handleUpgrade(req, socket, head)) socket.destroy();
  });
  host.listen(0, '127.0.0.1');
  await once(host, 'listening');
  const port = (host.address() as AddressInfo).port;
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/elsewhere`)).text(), 'host');
  assert.equal((await fetch(`http://127.0.0.1:${port}/connection/websocket`)).status, 426);
  const ws = new VolleySocket(`ws://127.0.0.1:${port}/connection/websocket`, [SUBPROTOCOL]);
  await once(ws, 'open');
  const reply = once(ws, 'message');
  ws.send(JSON.stringify({ id: 1, method: 'connect', params: {} }));
  const [data] = (await reply) as [Buffer];
  assert.equal(JSON.parse(data.toString()).id, 1);
  ws.close();
  await once(ws, 'close');
  await volley.close();
  host.close();
});
