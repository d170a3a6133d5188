// /healthz and /readyz, draining (readiness fails first, then clients get 1001), and the
// broker probe: an unreachable broker fails readiness, is counted and logged, and its return too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { MemoryBroker } from '../../src/broker/memory.js';
import { createServer } from '../../src/server/server.js';
import type { Logger } from '../../src/server/logger.js';
import { SUBPROTOCOL } from '../../src/wire/index.js';
import { parseExposition, valueOf } from '../support/prometheus-text.js';

/** A memory broker whose ping can be made to fail, as a lost Redis or NATS would. */
class SwitchableBroker extends MemoryBroker {
  down = false;
  override async ping(): Promise<void> {
    if (this.down) throw new Error('engine unreachable');
    return super.ping();
  }
}

/** A logger that keeps every line. */
function memoryLogger(): Logger & { lines: Array<Record<string, unknown> & { level: string; msg: string }> } {
  const lines: Array<Record<string, unknown> & { level: string; msg: string }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push({ ...fields, level, msg });
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

async function get(port: number, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.json() };
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`never: ${what}`);
}

function openClient(port: number): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`, [SUBPROTOCOL]);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.once('open', () => {
      ws.send('{"id":1,"method":"connect","params":{}}');
      ws.once('message', () => resolve({ ws, closed }));
    });
    ws.once('error', reject);
  });
}

describe('health endpoints', () => {
  it('answers /healthz 200 and /readyz 200 when ready; other methods 405', async () => {
    const server = createServer({ port: 0, host: '127.0.0.1' });
    const { port } = await server.listen();
    try {
      assert.deepEqual(await get(port, '/healthz'), { status: 200, body: { status: 'ok' } });
      assert.deepEqual(await get(port, '/readyz'), { status: 200, body: { status: 'ready' } });
      const post = await fetch(`http://127.0.0.1:${port}/readyz`, { method: 'POST' });
      assert.equal(post.status, 405);
    } finally {
      await server.close();
    }
  });

  it('drain(): /readyz 503 first while clients stay, then they get 1001, and close() ends the wait', async () => {
    const logger = memoryLogger();
    const server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, logger });
    const { port } = await server.listen();
    const client = await openClient(port);
    let closedCode: number | undefined;
    void client.closed.then((code) => (closedCode = code));
    const drained = server.drain(600_000);
    assert.equal(server.isDraining, true);
    const ready = await get(port, '/readyz');
    assert.deepEqual(ready, { status: 503, body: { status: 'unavailable', reason: 'draining' } });
    assert.equal((await get(port, '/healthz')).status, 200, 'still alive while draining');
    // The delay is long: the client is still connected (new ones are still accepted).
    assert.equal(closedCode, undefined);
    assert.equal(client.ws.readyState, WebSocket.OPEN);
    const late = await openClient(port);
    await server.close();
    assert.equal(await client.closed, 1001);
    assert.equal(await late.closed, 1001);
    await drained;
    assert.ok(logger.lines.some((l) => l.event === 'draining' && l.delayMs === 600_000));
  });

  it('drain() with its delay elapsing closes the clients with 1001 by itself', async () => {
    const server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, drainDelayMs: 50 });
    const { port } = await server.listen();
    const client = await openClient(port);
    await server.drain();
    assert.equal(await client.closed, 1001);
  });

  it('an unreachable broker fails /readyz, is counted and logged, and so is its return', async () => {
    const broker = new SwitchableBroker();
    const logger = memoryLogger();
    const server = createServer({
      port: 0, host: '127.0.0.1', broker, logger, brokerProbeIntervalMs: 25, metrics: { enabled: true, port: 0 },
    });
    const { port } = await server.listen();
    const scrape = async () => parseExposition(await (await fetch(`http://127.0.0.1:${server.metricsAddress!.port}/metrics`)).text());
    try {
      assert.equal((await get(port, '/readyz')).status, 200);
      broker.down = true;
      await until(async () => (await get(port, '/readyz')).status === 503, 'readyz 503');
      assert.deepEqual((await get(port, '/readyz')).body, { status: 'unavailable', reason: 'broker unreachable' });
      let e = await scrape();
      assert.equal(valueOf(e, 'volley_broker_up'), 0);
      assert.equal(valueOf(e, 'volley_ready'), 0);
      assert.equal(valueOf(e, 'volley_broker_outages_total'), 1);
      assert.ok(logger.lines.some((l) => l.event === 'broker_lost' && l.level === 'error' && /unreachable/.test(String(l.error))));
      broker.down = false;
      await until(async () => (await get(port, '/readyz')).status === 200, 'readyz 200 again');
      e = await scrape();
      assert.equal(valueOf(e, 'volley_broker_up'), 1);
      assert.ok(valueOf(e, 'volley_broker_outage_seconds_total') > 0);
      assert.ok(valueOf(e, 'volley_broker_round_trip_seconds_count') > 0);
      assert.ok(logger.lines.some((l) => l.event === 'broker_back' && typeof l.downMs === 'number'));
    } finally {
      await server.close();
      await broker.close();
    }
  });
});
