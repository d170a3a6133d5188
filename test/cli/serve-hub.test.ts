// `volley serve` as the whole server: the hub, tokens from `volley token`, the publish API,
// the config checks, and the broker option.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tcpConnect } from 'node:net';
import { WebSocket } from '../../src/ws/index.js';
import { buildOnce, killAll, runCli, startServe, type Served } from './helpers.js';

const SECRET = 'a-development-secret-of-32-chars-or-more';

/** Sends hub commands in order and resolves with the replies by id. */
async function hubSession(url: string, commands: object[]): Promise<Record<number, any>> {
  const ws = new WebSocket(url, ['volley.v1']);
  await once(ws, 'open');
  const replies: Record<number, any> = {};
  const all = new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.id !== undefined) replies[msg.id] = msg;
      if (Object.keys(replies).length === commands.length) resolve();
    });
    ws.on('close', () => resolve());
  });
  for (const c of commands) ws.send(JSON.stringify(c));
  await all;
  ws.close();
  return replies;
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('volley serve with the hub', () => {
  before(buildOnce);
  after(killAll);

  describe('with a secret and an API key', () => {
    let served: Served;
    let hubUrl: string;
    before(async () => {
      served = await startServe(['--no-demo', '--api-key', 'k3y'], { VOLLEY_SECRET: SECRET });
      hubUrl = served.echoUrl.replace(/\/echo$/, '/connection/websocket');
    });
    after(async () => {
      await served.stop();
    });

    test('a token from `volley token` is accepted, with its user and channel patterns', async () => {
      const minted = await runCli(['token', '--sub', 'alice', '--channels', 'lobby*', '--ttl', '5m'], '', { VOLLEY_SECRET: SECRET });
      assert.equal(minted.code, 0, minted.stderr);
      const token = minted.stdout.trim().split('\n').at(-1)!;
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      const replies = await hubSession(hubUrl, [
        { id: 1, method: 'connect', params: { token } },
        { id: 2, method: 'subscribe', params: { channel: 'lobby1' } },
        { id: 3, method: 'subscribe', params: { channel: 'backstage' } },
      ]);
      assert.ok(replies[1].result.client, JSON.stringify(replies[1]));
      assert.ok(replies[2].result, JSON.stringify(replies[2]));
      assert.equal(replies[3].error.code, 103); // permission denied: not in the token's patterns
    });

    test('a token signed with another secret is refused', async () => {
      const minted = await runCli(['token', '--sub', 'mallory', '--secret', 'x'.repeat(40)]);
      const token = minted.stdout.trim().split('\n').at(-1)!;
      const replies = await hubSession(hubUrl, [{ id: 1, method: 'connect', params: { token } }]);
      assert.equal(replies[1].error.code, 101);
    });

    test('the publish API reaches subscribers', async () => {
      const ws = new WebSocket(hubUrl, ['volley.v1']);
      await once(ws, 'open');
      const pushed = new Promise<any>((resolve) => ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (typeof m.pub === 'string') resolve(m);
      }));
      const subscribed = new Promise<void>((resolve) => ws.on('message', (d) => JSON.parse(d.toString()).id === 2 && resolve()));
      ws.send(JSON.stringify({ id: 1, method: 'connect', params: {} }));
      ws.send(JSON.stringify({ id: 2, method: 'subscribe', params: { channel: 'news' } }));
      await subscribed;
      const res = await fetch(`${served.httpBase}/api/publish`, {
        method: 'POST',
        headers: { authorization: 'apikey k3y', 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'news', data: { text: '实时 ⚡' } }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual((await pushed).data, { text: '实时 ⚡' });
      const denied = await fetch(`${served.httpBase}/api/publish`, { method: 'POST', headers: { authorization: 'apikey wrong' }, body: '{}' });
      assert.equal(denied.status, 401);
      ws.close();
    });

    test('the browser client is served', async () => {
      const res = await fetch(`${served.httpBase}/volley-client.js`);
      assert.equal(res.status, 200);
    });
  });

  test('a typo in the config file is refused with the key named, before anything listens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'volley-config-'));
    const file = join(dir, 'volley.json');
    writeFileSync(file, JSON.stringify({ port: 0, hots: '127.0.0.1' }));
    const bad = await runCli(['serve', '--config', file]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown key "hots".*did you mean "host"/);
    writeFileSync(file, JSON.stringify({ namespaces: { chat: { publish: 'everyone' } } }));
    const badValue = await runCli(['serve', '--config', file]);
    assert.equal(badValue.code, 2);
    assert.match(badValue.stderr, /namespaces\.chat\.publish must be one of "subscribers", "authenticated", "server"/);
    const badEnv = await runCli(['serve'], '', { VOLLEY_BROKER: 'mysql://db' });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /VOLLEY_BROKER must be/);
  });

  test('prototype names, out-of-range values and a BOM: exit 2 naming the key, before anything listens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'volley-config-'));
    const file = join(dir, 'volley.json');
    for (const [text, named] of [
      ['{"__proto__": {"port": 1}}', /unknown key "__proto__"/],
      ['{"constructor": {}}', /unknown key "constructor"/],
      ['{"toString": 1}', /unknown key "toString"/],
      ['{"namespaces": {"chat": {"historyTtlMs": 0}}}', /namespaces\.chat\.historyTtlMs must be an integer from 1/],
    ] as const) {
      writeFileSync(file, text);
      const result = await runCli(['serve', '--port', '0', '--config', file]);
      assert.equal(result.code, 2, `${text}: ${result.stderr}`);
      assert.match(result.stderr, named);
      assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
    }
  });

  test('limits, presence lifetime and connection limits from the config file reach the running server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'volley-config-'));
    const file = join(dir, 'volley.json');
    // With a byte order mark, as some editors save JSON.
    const config = { limits: { publishRate: 0.001, publishBurst: 1 }, presenceTtlMs: 3000, maxConnectionsPerAddress: 2, exemptLoopback: false };
    writeFileSync(file, `\uFEFF${JSON.stringify(config)}`);
    const served = await startServe(['--no-demo', '--config', file]);
    try {
      const hubUrl = served.echoUrl.replace(/\/echo$/, '/connection/websocket');
      const ws = new WebSocket(hubUrl, ['volley.v1']);
      await once(ws, 'open');
      const replies: any[] = [];
      ws.on('message', (d) => replies.push(JSON.parse(d.toString())));
      for (const [id, method, params] of [
        [1, 'connect', {}],
        [2, 'subscribe', { channel: 'room' }],
        [3, 'publish', { channel: 'room', data: 1 }],
        [4, 'publish', { channel: 'room', data: 2 }],
      ] as const) ws.send(JSON.stringify({ id, method, params }));
      while (!replies.some((r) => r.id === 4)) await once(ws, 'message');
      assert.ok(replies.find((r) => r.id === 3).result, 'the burst allows one');
      assert.equal(replies.find((r) => r.id === 4).error.code, 111, 'then the rate of the config applies');

      // The WebSocket and one more connection are the two this address may hold.
      const second = tcpConnect(Number(new URL(hubUrl).port), '127.0.0.1');
      await once(second, 'connect');
      const third = await fetch(`${served.httpBase}/endpoints`);
      assert.equal(third.status, 503);
      await third.arrayBuffer();
      second.destroy();
      ws.close();
      await once(ws, 'close');
    } finally {
      await served.stop();
    }
  });

  test('an unreachable broker stops the start with its URL named', async () => {
    const result = await runCli(['serve', '--port', '0', '--broker', 'redis://127.0.0.1:1']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /redis:\/\/127\.0\.0\.1:1/);
  });

  test('--broker redis:// serves on Redis when it is running', async (t) => {
    if (!(await reachable(6379))) {
      if (process.env.CI === 'true') assert.fail('Redis is not reachable on 127.0.0.1:6379');
      t.skip('Redis not reachable on 127.0.0.1:6379');
      return;
    }
    const served = await startServe(['--no-demo', '--broker', `redis://127.0.0.1:6379/?prefix=volley-cli-test-${process.pid}`]);
    try {
      const replies = await hubSession(served.echoUrl.replace(/\/echo$/, '/connection/websocket'), [
        { id: 1, method: 'connect', params: {} },
        { id: 2, method: 'subscribe', params: { channel: 'x' } },
      ]);
      assert.ok(replies[2].result);
    } finally {
      await served.stop();
    }
  });
});
