import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from '../../src/ws/server.js';
import type { WebSocket } from '../../src/ws/websocket.js';

// What one idle connection costs a server: a real WebSocketServer (port mode, as users start
// it) in a child process of its own (this file, with WS_IDLE_MEMORY_CHILD set), holding N
// connections opened by raw sockets in this process. The JS heap after a full GC is what the
// server keeps per connection; the figures are printed as diagnostics and the assertions only
// catch a regression of an order that matters (a timer, a retained request or a buffer per
// connection), not noise. No timing is asserted.

const N = 2000;
const KiB = 1024;

interface Reading { heapUsed: number; rss: number; open: number; requestsAlive: number }

function serveInChild(): void {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const requests: Array<WeakRef<object>> = [];
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws: WebSocket, req) => {
    // What an application usually does: read the request, listen to messages and errors.
    requests.push(new WeakRef(req));
    void req.url;
    ws.on('message', (data) => ws.send(data));
    ws.on('error', () => {});
  });
  wss.on('listening', () => process.send!({ port: (wss.address() as AddressInfo).port }));
  process.on('message', (what) => {
    if (what === 'exit') {
      wss.close(() => process.exit(0));
      return;
    }
    // A turn of the event loop first: a WeakRef stays alive until the job that read it ends.
    setImmediate(() => {
      gc();
      gc();
      const m = process.memoryUsage();
      const reading: Reading = {
        heapUsed: m.heapUsed,
        rss: m.rss,
        open: wss.clients.size,
        requestsAlive: requests.filter((r) => r.deref() !== undefined).length,
      };
      if (what === 'baseline') requests.length = 0;
      process.send!(reading);
    });
  });
}

/** Opens `count` upgraded raw connections, 64 at a time. */
async function openConnections(port: number, count: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  const request =
    `GET /idle HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  const openOne = () =>
    new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
      let answer = '';
      const onData = (chunk: Buffer) => {
        answer += chunk.toString('latin1');
        if (!answer.includes('\r\n\r\n')) return;
        socket.off('data', onData);
        if (answer.startsWith('HTTP/1.1 101 ')) resolve(socket);
        else reject(new Error(answer));
      };
      socket.on('data', onData);
      socket.on('error', reject);
    });
  let started = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (started < count) {
        started++;
        sockets.push(await openOne());
      }
    }),
  );
  return sockets;
}

if (process.env.WS_IDLE_MEMORY_CHILD) {
  serveInChild();
} else {
  test(`an idle connection keeps little of the server's heap (${N} connections)`, async (t) => {
    const child = fork(fileURLToPath(import.meta.url), {
      execArgv: ['--expose-gc', '--import', 'tsx'],
      env: { ...process.env, WS_IDLE_MEMORY_CHILD: '1', NODE_TEST_CONTEXT: '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const sockets: net.Socket[] = [];
    t.after(() => {
      for (const s of sockets) s.destroy();
      child.kill();
    });
    const ask = async (what: string) => {
      child.send(what);
      return (await once(child, 'message'))[0] as Reading;
    };
    const { port } = (await once(child, 'message'))[0] as { port: number };

    // Warm up the code paths (and the server's lazily created state) before the baseline.
    const warm = await openConnections(port, 100);
    for (const s of warm) s.destroy();
    while ((await ask('baseline')).open > 0) await new Promise((r) => setTimeout(r, 20));
    const before = await ask('baseline');

    sockets.push(...(await openConnections(port, N)));
    const after = await ask('measure');
    assert.equal(after.open, N);

    const heap = (after.heapUsed - before.heapUsed) / N;
    const rss = (after.rss - before.rss) / N;
    t.diagnostic(`per idle connection: ${heap.toFixed(0)} B of JS heap, ${(rss / KiB).toFixed(1)} KiB resident (after a full GC)`);
    // The request is read in 'connection' and not kept: the server holds none of them.
    assert.equal(after.requestsAlive, 0);
    // ~1.9 KB today, of which a net.Socket with its stream states ~1 KB; 2.2 KB before the
    // idle timer, its Timeout and the listener dictionary went.
    assert.ok(heap < 3 * KiB, `${heap.toFixed(0)} B of heap per connection`);
    // Resident memory also counts V8's young generation, which grows with the allocation of
    // the handshakes (~3 KB per connection at 10,000; more per connection at fewer): only a
    // gross regression (a buffer per connection) fails this.
    assert.ok(rss < 32 * KiB, `${(rss / KiB).toFixed(1)} KiB resident per connection`);
    for (const s of sockets) s.destroy();
    child.send('exit');
    await once(child, 'exit');
  });
}
