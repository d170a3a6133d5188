import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket } from '../../src/ws/index.js';
import { buildOnce, killAll, runCli, startServe, type Served } from './helpers.js';

/** Opens a client and resolves once it is open. */
async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await once(ws, 'open');
  return ws;
}

function nextMessage(ws: WebSocket): Promise<[Buffer, boolean]> {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve([data, isBinary])));
}

describe('volley serve', () => {
  before(async () => {
    await buildOnce();
  });
  after(killAll);

  describe('a running server', () => {
    let served: Served;
    before(async () => {
      served = await startServe();
    });
    after(async () => {
      await served.stop();
    });

    test('prints its URLs', () => {
      assert.match(served.stdout(), /ws:\/\/127\.0\.0\.1:\d+\/echo/);
      assert.match(served.stdout(), /http:\/\/127\.0\.0\.1:\d+\//);
    });

    test('/echo sends text back as text and binary back as binary, unchanged', async () => {
      const ws = await open(served.echoUrl);
      assert.equal(ws.protocol, '');
      const text = 'héllo, 世界 😀';
      ws.send(text);
      const [data, isBinary] = await nextMessage(ws);
      assert.equal(isBinary, false);
      assert.equal(data.toString('utf8'), text);

      const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);
      ws.send(bytes);
      const [back, backIsBinary] = await nextMessage(ws);
      assert.equal(backIsBinary, true);
      assert.deepEqual(back, bytes);

      ws.send('');
      const [empty, emptyIsBinary] = await nextMessage(ws);
      assert.equal(emptyIsBinary, false);
      assert.equal(empty.length, 0);

      const big = Buffer.alloc(200_000, 7);
      ws.send(big);
      const [bigBack] = await nextMessage(ws);
      assert.ok(bigBack.equals(big));
      ws.close();
      await once(ws, 'close');
    });

    test('/echo accepts a client that offers a subprotocol', async () => {
      const ws = new WebSocket(served.echoUrl, ['chat', 'superchat']);
      await once(ws, 'open');
      assert.equal(ws.protocol, 'chat');
      ws.close();
      await once(ws, 'close');
    });

    test('/endpoints lists what is served (the demo has /); other paths are 404; GET /echo is 426', async () => {
      const page = await fetch(`${served.httpBase}/endpoints`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const listing = await page.text();
      assert.match(listing, /\/echo/);
      assert.match(listing, /\/connection\/websocket/);
      assert.equal((await fetch(`${served.httpBase}/nothing-here`)).status, 404);
      const plain = await fetch(`${served.httpBase}/echo`);
      assert.equal(plain.status, 426);
      await plain.text();
    });

    test('a WebSocket upgrade on another path is refused with 404', async () => {
      const ws = new WebSocket(`${served.httpBase.replace('http', 'ws')}/nope`);
      const [err] = (await once(ws, 'error')) as [Error];
      assert.match(err.message, /404/);
    });
  });

  test("the config's websocket limits reach /echo: a message in more fragments than maxFragments closes with 1009", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'volley-serve-ws-'));
    const file = join(dir, 'volley.json');
    writeFileSync(file, JSON.stringify({ websocket: { maxFragments: 4 } }));
    const served = await startServe(['--no-demo', '--config', file]);
    try {
      const ws = await open(served.echoUrl);
      // Four fragments are a message; one more than that is a policy breach.
      for (let i = 0; i < 3; i++) ws.send(`part ${i} `, { fin: false });
      ws.send('end');
      const [echoed] = await nextMessage(ws);
      assert.equal(echoed.toString(), 'part 0 part 1 part 2 end');
      const closed = once(ws, 'close');
      for (let i = 0; i < 5; i++) ws.send('x', { fin: false });
      const [code] = (await closed) as [number];
      assert.equal(code, 1009);
    } finally {
      await served.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('/echo negotiates permessage-deflate with --deflate, and not without it', async () => {
    const plain = await startServe(['--no-demo']);
    const deflating = await startServe(['--no-demo', '--deflate']);
    try {
      const a = await open(plain.echoUrl);
      assert.equal(a.extensions, '');
      const aClosed = once(a, 'close');
      a.close();
      const b = await open(deflating.echoUrl);
      assert.match(b.extensions, /permessage-deflate/);
      const text = 'compressible '.repeat(1000);
      b.send(text);
      const [data] = await nextMessage(b);
      assert.equal(data.toString(), text);
      const bClosed = once(b, 'close');
      b.close();
      await Promise.all([aClosed, bClosed]);
    } finally {
      await Promise.all([plain.stop(), deflating.stop()]);
    }
  });

  test('a short --secret is refused with exit 2 and is not printed', async () => {
    const result = await runCli(['serve', '--secret', 'hunter2hunter2']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--secret must be a string of at least 32 characters/);
    assert.doesNotMatch(result.stderr + result.stdout, /hunter2/);
  });

  test('SIGTERM closes clients with 1001 and exits 0', async () => {
    const served = await startServe();
    const ws = await open(served.echoUrl);
    const closed = once(ws, 'close') as Promise<[number, Buffer]>;
    const result = await served.stop();
    const [code] = await closed;
    assert.equal(code, 1001);
    assert.equal(result.code, 0);
  });

  test('a bad --port or VOLLEY_PORT is refused, naming which', async () => {
    const result = await runCli(['serve', '--port', 'x'], '', { VOLLEY_PORT: '0' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--port/);
    const bad = await runCli(['serve'], '', { VOLLEY_PORT: 'eighty' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /VOLLEY_PORT/);
  });

  for (const [args, named] of [
    [['serve', '--prot', '1'], '--prot'],
    [['serve', '--port'], '--port'],
    [['serve', '--port', '70000'], '--port'],
    [['serve', 'extra'], 'extra'],
    [['sevre'], 'sevre'],
  ] as const) {
    test(`"volley ${args.join(' ')}" is a usage error naming ${named}`, async () => {
      const result = await runCli([...args]);
      assert.equal(result.code, 2);
      assert.ok(result.stderr.includes(named), result.stderr);
      assert.match(result.stderr, /--help/);
    });
  }

  test('--help prints the usage and exits 0', async () => {
    const result = await runCli(['serve', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: volley serve/);
  });

  test('a port in use is reported and exits 1', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as AddressInfo;
    try {
      const result = await runCli(['serve', '--port', String(port), '--host', '127.0.0.1']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /already in use/);
    } finally {
      blocker.close();
    }
  });
});
