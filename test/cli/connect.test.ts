import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from '../../src/ws/index.js';
import { buildOnce, finished, killAll, runCli, spawnCli, startServe, type Served } from './helpers.js';

/** A WebSocket server on a free loopback port, for scripting what the client meets. */
async function testServer(): Promise<{ wss: WebSocketServer; url: string }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/` };
}

function nextMessage(ws: WebSocket): Promise<[Buffer, boolean]> {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve([data, isBinary])));
}

describe('volley connect', () => {
  let served: Served;
  before(async () => {
    await buildOnce();
    served = await startServe();
  });
  after(async () => {
    await served?.stop();
    killAll();
  });

  test('pipe mode sends each line and prints the replies, then closes cleanly (exit 0)', async () => {
    const result = await runCli(['connect', served.echoUrl, '--wait', '300'], 'hi\n你好 😀\n');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'hi\n你好 😀\n');
    assert.equal(result.stderr, '');
  });

  test('--json writes one event per line, binary in base64', async () => {
    const { wss, url } = await testServer();
    wss.on('connection', (ws) => {
      ws.send(Buffer.from([1, 2, 3]));
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
    try {
      const result = await runCli(['connect', url, '--json', '--wait', '300'], 'hi\n');
      assert.equal(result.code, 0, result.stderr);
      const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
      assert.deepEqual(events.find((e) => e.dir === 'in' && e.type === 'binary'), { dir: 'in', type: 'binary', data: 'AQID' });
      assert.deepEqual(events.find((e) => e.dir === 'out'), { dir: 'out', type: 'text', data: 'hi' });
      assert.deepEqual(events.find((e) => e.dir === 'in' && e.type === 'text'), { dir: 'in', type: 'text', data: 'hi' });
      assert.deepEqual(events.at(-1), { type: 'close', code: 1000, reason: '', clean: true });
    } finally {
      wss.close();
    }
  });

  test('plain mode shows a binary message as its length and hex', async () => {
    const { wss, url } = await testServer();
    wss.on('connection', (ws) => ws.send(Buffer.from('hi\n')));
    try {
      const result = await runCli(['connect', url, '--wait', '300']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, '[binary 3 bytes] 68 69 0a\n');
    } finally {
      wss.close();
    }
  });

  test('--echo sends every message back unchanged and exits 0 when the server closes with 1000', async () => {
    const { wss, url } = await testServer();
    const child = spawnCli(['connect', url, '--echo']);
    const result = finished(child);
    try {
      const [ws] = (await once(wss, 'connection')) as [WebSocket];
      ws.send('héllo 😀');
      assert.deepEqual(await nextMessage(ws), [Buffer.from('héllo 😀'), false]);
      const bytes = Buffer.from([0, 0xff, 0x80]);
      ws.send(bytes);
      assert.deepEqual(await nextMessage(ws), [bytes, true]);
      ws.close(1000, 'done');
      const outcome = await result;
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.equal(outcome.stdout, '');
    } finally {
      wss.close();
    }
  });

  test('--echo exits 1 when the server closes with an error code', async () => {
    const { wss, url } = await testServer();
    wss.on('connection', (ws) => ws.close(1011, 'broken'));
    try {
      const result = await runCli(['connect', url, '--echo']);
      assert.equal(result.code, 1);
    } finally {
      wss.close();
    }
  });

  test('a connection dropped without a closing handshake exits 1', async () => {
    const { wss, url } = await testServer();
    wss.on('connection', (ws) => ws.terminate());
    try {
      const result = await runCli(['connect', url, '--echo']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /abnormally/);
    } finally {
      wss.close();
    }
  });

  test('sends the subprotocols, headers and Origin it is given', async () => {
    const { wss, url } = await testServer();
    const seen = once(wss, 'connection') as Promise<[WebSocket, IncomingMessage]>;
    wss.on('connection', (ws) => ws.close(1000));
    try {
      const result = await runCli(['connect', url, '--echo', '-s', 'chat', '--protocol', 'v2', '-H', 'X-Token: abc 123', '--origin', 'http://example.com']);
      assert.equal(result.code, 0, result.stderr);
      const [ws, req] = await seen;
      assert.equal(ws.protocol, 'chat');
      assert.equal(req.headers['sec-websocket-protocol'], 'chat, v2');
      assert.equal(req.headers['x-token'], 'abc 123');
      assert.equal(req.headers.origin, 'http://example.com');
    } finally {
      wss.close();
    }
  });

  test('connection refused exits 1 with the reason', async () => {
    const { wss, url } = await testServer();
    await new Promise((resolve) => wss.close(resolve));
    const result = await runCli(['connect', url]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ECONNREFUSED/);
  });

  test('a refused handshake exits 1 with the status', async () => {
    const result = await runCli(['connect', `${served.echoUrl}-not-here`]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /404/);
  });

  for (const [args, named] of [
    [['connect', 'ws://127.0.0.1:1/', '--bogus'], '--bogus'],
    [['connect'], 'URL'],
    [['connect', 'ftp://127.0.0.1/'], 'scheme'],
    [['connect', 'ws://127.0.0.1:1/', '--wait', 'soon'], '--wait'],
    [['connect', 'ws://127.0.0.1:1/', '--header', 'no-colon'], '--header'],
    [['connect', 'ws://127.0.0.1:1/', '--echo=yes'], '--echo'],
    [['connect', 'ws://127.0.0.1:1/', '--protocol', 'bad protocol'], 'subprotocol'],
  ] as const) {
    test(`"volley ${args.join(' ')}" is a usage error naming ${named}`, async () => {
      const result = await runCli([...args]);
      assert.equal(result.code, 2);
      assert.ok(result.stderr.includes(named), result.stderr);
    });
  }
});
