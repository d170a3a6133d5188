// /metrics scraped with a text-format parser: counters move as clients connect, publish, get
// refused (bad token, over the connection cap) and disconnect; labels stay bounded with 10,000
// channels; the token and the listener of its own guard the endpoint.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createServer, type VolleyServer } from '../../src/server/server.js';
import { SUBPROTOCOL } from '../../src/wire/index.js';
import { hsToken, SECRET } from '../hub/helpers.js';
import { parseExposition, valueOf, type Exposition } from '../support/prometheus-text.js';
import { connectDevice, MQTT_URL, mosquittoSkipReason, uniqueRun } from '../bridges/mqtt/helpers.js';

const TOKEN = 'metrics-token-0123456789';

/** A raw volley.v1 client: calls by id, close code recorded. */
class Client {
  closed: number | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: any) => void>();
  private readonly closeWaiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.id !== undefined) this.waiting.get(message.id)?.(message);
    });
    ws.on('close', (code) => {
      this.closed = code;
      for (const wake of this.closeWaiters.splice(0)) wake();
    });
  }

  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`, [SUBPROTOCOL]);
      ws.once('open', () => resolve(new Client(ws)));
      ws.once('error', reject);
    });
  }

  call(method: string, params: unknown = {}): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  whenClosed(): Promise<number> {
    if (this.closed !== undefined) return Promise.resolve(this.closed);
    return new Promise((resolve) => this.closeWaiters.push(() => resolve(this.closed!)));
  }
}

async function scrape(port: number, token: string | undefined = TOKEN): Promise<Exposition> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

/** Scrapes until `check` holds (counters of closes move when the server has seen the close). */
async function scrapeUntil(port: number, check: (e: Exposition) => boolean): Promise<Exposition> {
  for (let i = 0; ; i++) {
    const exposition = await scrape(port);
    if (check(exposition) || i === 400) return exposition;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('metrics on the main port behind a token', () => {
  let server: VolleyServer;
  let port: number;

  before(async () => {
    server = createServer({
      port: 0,
      host: '127.0.0.1',
      auth: { hmacSecret: SECRET },
      namespaces: { chat: { historySize: 10, historyTtlMs: 60_000 } },
      maxConnections: 6,
      limits: { publishRate: 1e6, publishBurst: 1e6, commandRate: 1e6, commandBurst: 1e6 },
      exemptLoopback: true,
      metrics: { enabled: true, token: TOKEN },
    });
    port = (await server.listen()).port;
  });
  after(() => server.close());

  it('refuses a scrape without the token (401) or with a wrong one', async () => {
    const none = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: 'Bearer nope-nope-nope-nope' } });
    assert.equal(wrong.status, 401);
    assert.equal(server.metricsAddress, undefined);
  });

  it('has the process metrics and typed volley families', async () => {
    const e = await scrape(port);
    assert.ok(valueOf(e, 'process_cpu_user_seconds_total') > 0);
    assert.ok(e.samples.some((s) => s.name === 'nodejs_heap_size_used_bytes'));
    assert.equal(e.types.get('volley_messages_received_total'), 'counter');
    assert.equal(e.types.get('volley_command_duration_seconds'), 'histogram');
    assert.equal(e.types.get('volley_sessions'), 'gauge');
    assert.equal(valueOf(e, 'volley_ready'), 1);
    assert.equal(valueOf(e, 'volley_broker_up'), 1);
  });

  it('counts connect, publish, recovery, refusals and disconnects', async () => {
    const before = await scrape(port);
    const at = (e: Exposition, name: string, labels: Record<string, string> = {}) => valueOf(e, name, labels) - valueOf(before, name, labels);

    const alice = await Client.open(port);
    assert.equal((await alice.call('connect', { token: await hsToken({ sub: 'alice' }) })).error, undefined);
    const sub = await alice.call('subscribe', { channel: 'chat:room' });
    assert.equal(sub.error, undefined);
    for (let i = 0; i < 3; i++) assert.equal((await alice.call('publish', { channel: 'chat:room', data: { text: `hello ${i}` } })).error, undefined);
    const bob = await Client.open(port);
    await bob.call('connect', { token: await hsToken({ sub: 'bob' }) });
    // A recovery from the start of the stream (recovered) and from another epoch (not).
    assert.equal((await bob.call('subscribe', { channel: 'chat:room', since: { offset: 0, epoch: sub.result.epoch } })).result.recovered, true);
    await bob.call('unsubscribe', { channel: 'chat:room' });
    assert.equal((await bob.call('subscribe', { channel: 'chat:room', since: { offset: 1, epoch: 'other-epoch' } })).result.recovered, false);
    // An error reply: publishing into an unknown namespace.
    assert.equal((await bob.call('publish', { channel: 'nope:x', data: 1 })).error.code, 102);

    let e = await scrape(port);
    assert.equal(at(e, 'volley_sessions', { transport: 'websocket' }), 2);
    assert.equal(at(e, 'volley_sessions_opened_total', { transport: 'websocket' }), 2);
    assert.equal(at(e, 'volley_subscriptions'), 2);
    assert.equal(valueOf(e, 'volley_channels'), 1);
    assert.equal(at(e, 'volley_publications_total'), 3);
    assert.equal(at(e, 'volley_recoveries_total', { result: 'recovered' }), 1);
    assert.equal(at(e, 'volley_recoveries_total', { result: 'not_recovered' }), 1);
    assert.equal(at(e, 'volley_errors_total', { code: '102', error: 'unknown_channel' }), 1);
    assert.equal(at(e, 'volley_command_duration_seconds_count', { method: 'publish' }), 4);
    assert.equal(at(e, 'volley_command_duration_seconds_count', { method: 'connect' }), 2);
    // alice: connect, subscribe, 3 publishes; bob: connect, 2 subscribes, unsubscribe, 1 publish.
    assert.equal(at(e, 'volley_messages_received_total'), 10);
    assert.ok(at(e, 'volley_received_bytes_total') > 10 * 40);
    // 10 replies plus alice's 3 publications pushed to alice.
    assert.ok(at(e, 'volley_messages_sent_total') >= 13, String(at(e, 'volley_messages_sent_total')));
    assert.ok(at(e, 'volley_sent_bytes_total') > 13 * 20);

    // Refused: a bad token (connect stage), then over maxConnections (handshake stage, 503).
    const mallory = await Client.open(port);
    const refused = await mallory.call('connect', { token: 'not.a.token' });
    assert.equal(refused.error.code, 101);
    assert.equal(await mallory.whenClosed(), 3500);
    const extra: WebSocket[] = [];
    let status503 = 0;
    for (let i = 0; i < 8 && status503 === 0; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`, [SUBPROTOCOL]);
      extra.push(ws);
      status503 = await new Promise<number>((resolve) => {
        ws.once('open', () => resolve(0));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? -1));
        ws.once('error', () => resolve(0));
      });
    }
    assert.equal(status503, 503);
    for (const ws of extra) ws.terminate();

    // Disconnects: bob leaves by himself, alice is cut by the server.
    bob.ws.close(1000);
    await bob.whenClosed();
    await server.hub.disconnectUser('alice');
    assert.equal(await alice.whenClosed(), 3503);

    e = await scrapeUntil(port, (x) => at(x, 'volley_sessions', { transport: 'websocket' }) === 0);
    assert.equal(at(e, 'volley_refusals_total', { stage: 'connect', reason: 'unauthorized' }), 1);
    assert.ok(at(e, 'volley_refusals_total', { stage: 'handshake', reason: '503' }) >= 1);
    assert.equal(at(e, 'volley_disconnects_total', { code: '3500', reason: 'unauthorized' }), 1);
    assert.equal(at(e, 'volley_disconnects_total', { code: '3503', reason: 'force_disconnect' }), 1);
    assert.ok(at(e, 'volley_disconnects_total', { code: 'none', reason: 'client' }) >= 1);
    assert.equal(at(e, 'volley_sessions', { transport: 'websocket' }), 0);
    assert.equal(at(e, 'volley_subscriptions'), 0);
  });

  it('keeps label cardinality bounded with 10,000 distinct channels', async () => {
    const count = (e: Exposition) => e.samples.filter((s) => s.name.startsWith('volley_')).length;
    const seriesBefore = count(await scrape(port));
    const clients = await Promise.all([0, 1].map(() => Client.open(port)));
    for (const [i, client] of clients.entries()) await client.call('connect', { token: await hsToken({ sub: `user-${i}` }) });
    // 10,000 channels: subscribed (128 at a time, the per-connection limit) and published to.
    for (let batch = 0; batch < 10_000 / 100; batch++) {
      const client = clients[batch % 2]!;
      const channels = Array.from({ length: 100 }, (_, i) => `chat:c-${batch}-${i}`);
      await Promise.all(channels.map((channel) => client.call('subscribe', { channel })));
      await Promise.all(channels.map((channel) => client.call('publish', { channel, data: { n: 1 } })));
      await Promise.all(channels.map((channel) => client.call('unsubscribe', { channel })));
    }
    const e = await scrape(port);
    const labelValues = e.samples.filter((s) => s.name.startsWith('volley_')).flatMap((s) => Object.values(s.labels));
    assert.ok(!labelValues.some((v) => v.startsWith('chat:') || v.startsWith('user-')), 'a channel or user became a label');
    assert.ok(valueOf(e, 'volley_publications_total') >= 10_000);
    // Only series of new error codes, close reasons or methods may appear: a handful, not thousands.
    assert.ok(count(e) - seriesBefore < 40, `${count(e) - seriesBefore} new series`);
    for (const client of clients) client.ws.close();
  });
});

describe('metrics on a listener of their own', () => {
  it('serves /metrics on loopback only there, not on the main port; off by default', async () => {
    const server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, metrics: { enabled: true, port: 0 } });
    const main = (await server.listen()).port;
    try {
      const own = server.metricsAddress;
      assert.ok(own);
      assert.equal(own.address, '127.0.0.1');
      assert.equal((await fetch(`http://127.0.0.1:${main}/metrics`)).status, 404);
      const e = await scrape(own.port, undefined);
      assert.equal(valueOf(e, 'volley_sessions', { transport: 'websocket' }), 0);
      assert.equal((await fetch(`http://127.0.0.1:${own.port}/other`)).status, 404);
    } finally {
      await server.close();
    }
    const plain = createServer({ port: 0, host: '127.0.0.1' });
    const port = (await plain.listen()).port;
    try {
      assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404);
      assert.equal(plain.metricsAddress, undefined);
    } finally {
      await plain.close();
    }
  });

  it('refuses a metrics token shorter than 16 characters', () => {
    assert.throws(() => createServer({ metrics: { enabled: true, token: 'short' } }), /metrics\.token must be a string of at least 16 characters$/);
  });
});

describe('docs/grafana-dashboard.json', () => {
  it('queries only metrics the server exposes', async () => {
    const { readFileSync } = await import('node:fs');
    const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
    assert.ok(exprs.length >= 15);
    const server = createServer({ port: 0, host: '127.0.0.1', metrics: { enabled: true, port: 0 } });
    await server.listen();
    try {
      const exposition = await scrape(server.metricsAddress!.port, undefined);
      // A labelled family with no series yet has only its # TYPE line.
      const families = new Set([...exposition.samples.map((s) => s.name), ...exposition.types.keys()]);
      const docs = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
      for (const name of exprs.flatMap((e) => e.match(/\b(?:volley|process|nodejs)_[a-z0-9_]+/g) ?? [])) {
        // MQTT series exist only with a bridge: those must be among the documented ones.
        if (name.startsWith('volley_mqtt_')) {
          const kind = name.replace(/^volley_mqtt_(inbound|outbound)_/, '').replace(/_total$/, '');
          assert.ok(docs.includes(`\`${kind}\``) || docs.includes(name), `${name} is not documented`);
        } else {
          const family = name.replace(/_(bucket|count|sum)$/, '');
          assert.ok(families.has(name) || (families.has(family) && exposition.types.get(family) === 'histogram'), `${name} is not exposed`);
        }
      }
    } finally {
      await server.close();
    }
  });
});

const mqttSkip = await mosquittoSkipReason();
if (mqttSkip) console.log(`# skipping the MQTT bridge metrics: ${mqttSkip}`);

describe('MQTT bridge metrics', { skip: mqttSkip }, () => {
  it("exposes the bridge's counters and connection state", async () => {
    const { prefix, id } = uniqueRun('metrics');
    const server = createServer({
      port: 0, host: '127.0.0.1', allowAnonymous: true, namespaces: { iot: {} },
      mqtt: { url: MQTT_URL, bridgeId: id, clientId: `${id}-node`, session: 'clean', inbound: [{ topic: `${prefix}/+`, channel: 'iot:{1}' }] },
      metrics: { enabled: true, port: 0 },
    });
    await server.listen();
    const device = await connectDevice();
    try {
      const port = server.metricsAddress!.port;
      await device.publishAsync(`${prefix}/lamp`, '{"on":true}', { qos: 1 });
      await device.publishAsync(`${prefix}/heater`, '{"on":false}', { qos: 1 });
      const e = await until(async () => {
        const x = parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
        return valueOf(x, 'volley_mqtt_inbound_received_total') >= 2 ? x : undefined;
      });
      assert.equal(valueOf(e, 'volley_mqtt_connected'), 1);
      assert.equal(valueOf(e, 'volley_mqtt_connects_total'), 1);
      assert.equal(valueOf(e, 'volley_mqtt_inbound_published_total'), 2);
      assert.equal(e.types.get('volley_mqtt_outbound_sent_total'), 'counter');
      assert.equal(e.types.get('volley_mqtt_inbound_no_rule_total'), 'counter');
    } finally {
      await device.endAsync();
      await server.close();
    }
  });
});

async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail('the bridge never counted the messages');
}
