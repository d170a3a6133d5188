// The bidirectional HTTP transports over real HTTP, with plain requests: a session is
// opened by a GET, driven by POSTs, and gets the same replies and pushes a WebSocket would;
// a dropped request is resumed with its ack; bad input gets its status and error code.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type VolleyServer, type VolleyServerOptions } from '../../src/server/index.js';
import { HeldGet, post, request } from './http-clients.js';

const servers: VolleyServer[] = [];
const held: HeldGet[] = [];
afterEach(async () => {
  for (const h of held.splice(0)) h.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: VolleyServerOptions = {}): Promise<{ server: VolleyServer; base: string }> {
  const server = createServer({
    port: 0,
    host: '127.0.0.1',
    allowAnonymous: true,
    heartbeatIntervalMs: 0,
    shutdownTimeoutMs: 1_000,
    namespaces: { chat: { historySize: 100, historyTtlMs: 60_000 } },
    ...options,
  });
  servers.push(server);
  const { port } = await server.listen();
  return { server, base: `http://127.0.0.1:${port}` };
}

function get(url: string, headers: Record<string, string> = {}): HeldGet {
  const h = new HeldGet(url, headers);
  held.push(h);
  return h;
}

const connect = { id: 1, method: 'connect', params: {} };
const subscribe = (id: number, channel: string) => ({ id, method: 'subscribe', params: { channel } });
const publish = (id: number, channel: string, data: unknown) => ({ id, method: 'publish', params: { channel, data } });

describe('SSE sessions', () => {
  it('open, connect, subscribe, publish: the replies and the push come down with sequence numbers', async () => {
    const { base } = await start();
    const sse = get(`${base}/connection/sse`);
    await sse.until(() => sse.sse.length >= 1, 'the open event');
    assert.equal(sse.status, 200);
    assert.match(String(sse.headers['content-type']), /^text\/event-stream/);
    assert.equal(sse.headers['cache-control'], 'no-cache, no-transform');
    assert.equal(sse.headers['x-accel-buffering'], 'no');
    const open = sse.sse[0]!;
    assert.equal(open.event, 'open');
    const { session } = JSON.parse(open.data) as { session: string };
    assert.match(session, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22,}$/);

    const answer = await post(base, session, [connect, subscribe(2, 'chat:a')]);
    assert.equal(answer.status, 204);
    await sse.until(() => sse.sse.length >= 3, 'two replies');
    assert.equal((await post(base, session, [publish(3, 'chat:a', { text: 'hi' })])).status, 204);
    await sse.until(() => sse.sse.length >= 5, 'three replies and a push');
    const messages = sse.sse.slice(1).map((e) => ({ id: e.id, m: JSON.parse(e.data) }));
    assert.deepEqual(messages.map((m) => m.id), ['1', '2', '3', '4']);
    assert.equal(messages[0]!.m.id, 1);
    assert.equal(typeof messages[0]!.m.result.client, 'string');
    assert.equal(messages[1]!.m.id, 2);
    const push = messages.find((m) => typeof m.m.pub === 'string')!;
    assert.deepEqual(push.m.data, { text: 'hi' });
    assert.equal(push.m.pub, 'chat:a');
  });

  it('a dropped SSE request is resumed with Last-Event-ID: what was not acknowledged comes again, nothing before it', async () => {
    const { server, base } = await start();
    const first = get(`${base}/connection/sse`);
    await first.until(() => first.sse.length >= 1, 'open');
    const { session } = JSON.parse(first.sse[0]!.data) as { session: string };
    await post(base, session, [connect, subscribe(2, 'chat:r')]);
    await first.until(() => first.sse.length >= 3, 'connect and subscribe replies');
    first.close();
    // Published while no request is attached: queued in the session.
    await server.publish('chat:r', { n: 1 });
    await server.publish('chat:r', { n: 2 });
    const resumed = get(`${base}/connection/sse?session=${session}`, { 'last-event-id': '1' });
    await resumed.until(() => resumed.sse.filter((e) => e.data.startsWith('{"pub"')).length >= 2, 'both publications');
    const ids = resumed.sse.map((e) => e.id);
    assert.deepEqual(ids, ['2', '3', '4'], 'the subscribe reply (seq 2) again, then the two pushes; no open event');
    assert.deepEqual(resumed.sse.slice(1).map((e) => JSON.parse(e.data).data.n), [1, 2]);
  });

  it('an open that carries Last-Event-ID (an EventSource reconnecting to its first URL) opens a new session', async () => {
    const { base } = await start();
    const sse = get(`${base}/connection/sse`, { 'last-event-id': '7' });
    await sse.until(() => sse.sse.length >= 1, 'the open event');
    assert.equal(sse.status, 200);
    assert.equal(sse.sse[0]!.event, 'open');
    assert.equal((await request(`${base}/connection/sse?ack=3`)).status, 400, 'an explicit ack without a session is refused');
  });

  it('heartbeats are SSE comments', async () => {
    const { base } = await start({ transports: { heartbeatMs: 100 } });
    const sse = get(`${base}/connection/sse`);
    await sse.until(() => sse.text.includes('\n: \n\n'), 'a heartbeat comment');
  });
});

describe('HTTP streaming sessions (NDJSON)', () => {
  it('open line, then {"seq","m"} lines with the volley.v1 text spliced in', async () => {
    const { base } = await start();
    const stream = get(`${base}/connection/stream`);
    await stream.until(() => stream.lines.length >= 1, 'the open line');
    assert.match(String(stream.headers['content-type']), /^application\/x-ndjson/);
    const open = stream.lines[0] as { open: { session: string } };
    const session = open.open.session;
    assert.equal((await post(base, session, [connect, subscribe(2, 'chat:s')])).status, 204);
    await stream.until(() => stream.lines.length >= 3, 'replies');
    assert.equal((await post(base, session, [publish(3, 'chat:s', 'x')])).status, 204);
    await stream.until(() => stream.lines.length >= 5, 'replies and push');
    const lines = stream.lines.slice(1) as Array<{ seq: number; m: any }>;
    assert.deepEqual(lines.map((l) => l.seq), [1, 2, 3, 4]);
    assert.ok(lines.some((l) => typeof l.m.pub === 'string' && l.m.data === 'x'));
  });

  it('the server ending the session sends a close line (disconnect through the hub)', async () => {
    const { server, base } = await start();
    const stream = get(`${base}/connection/stream`);
    await stream.until(() => stream.lines.length >= 1, 'open');
    const session = (stream.lines[0] as { open: { session: string } }).open.session;
    await post(base, session, [connect]);
    await stream.until(() => stream.lines.length >= 2, 'connect reply');
    const client = ((stream.lines[1] as any).m.result.client) as string;
    await server.hub.disconnectClient(client, 3503, 'bye');
    await stream.until(() => stream.ended, 'the end of the response');
    assert.deepEqual(stream.lines.at(-1), { close: { code: 3503, reason: 'bye' } });
    assert.equal((await post(base, session, [{ id: 5, method: 'ping' }])).status, 404, 'the session is gone');
  });
});

describe('the client ending its session', () => {
  it('POST …&close=1 ends the session at once: the others see the leave, its place is free, later POSTs are 404', async () => {
    const { server, base } = await start({ namespaces: { chat: { presence: true, joinLeave: true } } });
    const stream = get(`${base}/connection/stream`);
    await stream.until(() => stream.lines.length >= 1, 'open');
    const session = (stream.lines[0] as { open: { session: string } }).open.session;
    await post(base, session, [connect, subscribe(2, 'chat:room')]);
    await stream.until(() => stream.lines.length >= 3, 'connect and subscribe replies');
    assert.equal(server.hub.connectionCount, 1);

    const close = await request(`${base}/connection/send?session=${encodeURIComponent(session)}&close=1`, {
      method: 'POST', headers: { 'content-type': 'text/plain' }, body: '',
    });
    assert.equal(close.status, 204);
    assert.equal(server.hub.connectionCount, 0, 'the hub let the connection go without waiting for sessionGraceMs');
    assert.deepEqual(Object.keys(await server.hub.presence('chat:room')), [], 'out of presence');
    await stream.until(() => stream.ended, 'the response ended');
    assert.equal((await post(base, session, [{ id: 5, method: 'ping' }])).status, 404, 'the session is gone');
  });
});

describe('long-polling sessions', () => {
  it('the first GET answers the session id at once; a held poll is answered when something is queued', async () => {
    const { base } = await start();
    const first = await request(`${base}/connection/poll`);
    assert.equal(first.status, 200);
    const { session, messages } = JSON.parse(first.body) as { session: string; messages: unknown[] };
    assert.deepEqual(messages, []);
    const poll = request(`${base}/connection/poll?session=${session}&ack=0`);
    assert.equal((await post(base, session, [connect, subscribe(2, 'chat:p')])).status, 204);
    const answer = JSON.parse((await poll).body) as { messages: Array<{ seq: number; m: any }> };
    assert.ok(answer.messages.length >= 1);
    assert.equal(answer.messages[0]!.seq, 1);
    assert.equal(answer.messages[0]!.m.id, 1);
    // The next poll acknowledges what it got and gets the rest.
    let last = answer.messages.at(-1)!.seq;
    const seen = answer.messages.map((m) => m.m.id);
    while (!seen.includes(2)) {
      const next = JSON.parse((await request(`${base}/connection/poll?session=${session}&ack=${last}`)).body) as { messages: Array<{ seq: number; m: any }> };
      for (const m of next.messages) {
        assert.ok(m.seq > last, 'nothing acknowledged comes again');
        seen.push(m.m.id);
        last = m.seq;
      }
    }
  });

  it('a held poll with nothing queued is answered with no messages at pollTimeoutMs', async () => {
    const { base } = await start({ transports: { pollTimeoutMs: 200 } });
    const { session } = JSON.parse((await request(`${base}/connection/poll`)).body) as { session: string };
    const answer = await request(`${base}/connection/poll?session=${session}&ack=0`);
    assert.deepEqual(JSON.parse(answer.body), { messages: [] });
  });
});

describe('shutdown', () => {
  it('server.close() ends every session with 1001: SSE and stream get the close item, a held poll the close', async () => {
    const { server, base } = await start();
    const sse = get(`${base}/connection/sse`);
    const stream = get(`${base}/connection/stream`);
    await sse.until(() => sse.sse.length >= 1, 'SSE open');
    await stream.until(() => stream.lines.length >= 1, 'stream open');
    const { session } = JSON.parse((await request(`${base}/connection/poll`)).body) as { session: string };
    await post(base, session, [connect]);
    const first = JSON.parse((await request(`${base}/connection/poll?session=${session}&ack=0`)).body) as { messages: unknown[] };
    assert.equal(first.messages.length, 1);
    const held = request(`${base}/connection/poll?session=${session}&ack=1`);
    while (server.transports!.service.registry.get(session)?.isAttached !== true) await new Promise((resolve) => setTimeout(resolve, 10));
    await server.close();
    await sse.until(() => sse.ended, 'the SSE end');
    await stream.until(() => stream.ended, 'the stream end');
    assert.deepEqual(JSON.parse(sse.sse.at(-1)!.data), { code: 1001, reason: 'server shutdown' });
    assert.equal(sse.sse.at(-1)!.event, 'close');
    assert.deepEqual(stream.lines.at(-1), { close: { code: 1001, reason: 'server shutdown' } });
    assert.deepEqual(JSON.parse((await held).body), { messages: [], close: { code: 1001, reason: 'server shutdown' } });
  });
});

describe('bad input', () => {
  it('unknown session 404, malformed id 400, ack ahead 400, wrong transport 400, each with its error code', async () => {
    const { base } = await start();
    const open = JSON.parse((await request(`${base}/connection/poll`)).body) as { session: string };
    const nodeId = open.session.split('.')[0];
    const unknown = await post(base, `${nodeId}.AAAAAAAAAAAAAAAAAAAAAA`, [connect]);
    assert.equal(unknown.status, 404);
    assert.deepEqual(JSON.parse(unknown.body).error.name, 'unknown_session');
    assert.equal(JSON.parse(unknown.body).error.code, 119);
    const malformed = await post(base, 'not a session', [connect]);
    assert.equal(malformed.status, 400);
    assert.equal(JSON.parse(malformed.body).error.code, 107);
    const ahead = await request(`${base}/connection/poll?session=${open.session}&ack=99`);
    assert.equal(ahead.status, 400);
    const wrong = await request(`${base}/connection/sse?session=${open.session}`);
    assert.equal(wrong.status, 400);
    const badAck = await request(`${base}/connection/poll?session=${open.session}&ack=-1`);
    assert.equal(badAck.status, 400);
  });

  it('liveness on an opening GET: a whole number of ms from 1000 to 600000, else 400; long-polling ignores it', async () => {
    const { base } = await start();
    for (const bad of ['abc', '999', '600001', '1e4', '-5', '1000.5']) {
      const refused = await request(`${base}/connection/stream?liveness=${bad}`);
      assert.equal(refused.status, 400, `liveness=${bad}`);
      assert.equal(JSON.parse(refused.body).error.code, 107);
    }
    const ok = get(`${base}/connection/stream?liveness=1000`);
    await ok.until(() => ok.text.includes('"session"'), 'the open line');
    assert.equal(ok.status, 200);
    const poll = await request(`${base}/connection/poll?liveness=abc`);
    assert.equal(poll.status, 200);
  });

  it('a body that is not JSON lines is 400 and nothing of it is applied; an oversize body is 413', async () => {
    const { base } = await start({ transports: { maxPostSize: 1_000 } });
    const { session } = JSON.parse((await request(`${base}/connection/poll`)).body) as { session: string };
    const bad = await post(base, session, [connect, 'not json']);
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).error.name, 'bad_request');
    const notUtf8 = await request(`${base}/connection/send?session=${session}`, { method: 'POST', body: Buffer.from([0x7b, 0xff, 0x7d]) });
    assert.equal(notUtf8.status, 400);
    const big = await post(base, session, [publish(2, 'chat:a', 'x'.repeat(2_000))]);
    assert.equal(big.status, 413);
    assert.equal(JSON.parse(big.body).error.name, 'message_too_large');
    // The bad POSTs did nothing: the first command the session sees is this connect.
    assert.equal((await post(base, session, [connect])).status, 204);
    const answer = JSON.parse((await request(`${base}/connection/poll?session=${session}&ack=0`)).body) as { messages: Array<{ m: any }> };
    assert.equal(answer.messages.length, 1);
    assert.equal(answer.messages[0]!.m.id, 1);
    assert.equal(typeof answer.messages[0]!.m.result.client, 'string');
  });

  it('a POST flood gets 429 too_many_requests', async () => {
    const { base } = await start({ transports: { postRate: 1, postBurst: 3 } });
    const { session } = JSON.parse((await request(`${base}/connection/poll`)).body) as { session: string };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(base, session, [{ id: i + 10, method: 'ping' }])).status);
    assert.ok(statuses.slice(0, 3).every((s) => s === 204), statuses.join());
    const refused = statuses.filter((s) => s === 429).length;
    assert.ok(refused >= 2, statuses.join());
  });

  it('too many sessions: 503 too_many_sessions; a closed session frees its place', async () => {
    const { server, base } = await start({ transports: { maxSessions: 2, sessionGraceMs: 60_000 } });
    const a = JSON.parse((await request(`${base}/connection/poll`)).body) as { session: string };
    await request(`${base}/connection/poll`);
    const third = await request(`${base}/connection/poll`);
    assert.equal(third.status, 503);
    assert.equal(JSON.parse(third.body).error.name, 'too_many_sessions');
    assert.equal(third.headers['retry-after'], '5');
    assert.equal(server.stats.transports?.sessionsRefused, 1);
    await post(base, a.session, [connect]);
    const client = JSON.parse((await request(`${base}/connection/poll?session=${a.session}&ack=0`)).body).messages[0].m.result.client as string;
    await server.hub.disconnectClient(client, 3503, 'bye');
    const closed = JSON.parse((await request(`${base}/connection/poll?session=${a.session}&ack=1`)).body);
    assert.deepEqual(closed.close, { code: 3503, reason: 'bye' });
    assert.equal((await request(`${base}/connection/poll`)).status, 200);
  });

  it('sessions count against maxConnectionsPerAddress like sockets', async () => {
    const { base } = await start({ exemptLoopback: false, maxConnectionsPerAddress: 3 });
    // Each request holds one socket while it runs and the session one place after it.
    assert.equal((await request(`${base}/connection/poll`)).status, 200);
    assert.equal((await request(`${base}/connection/poll`)).status, 200);
    const refused = await request(`${base}/connection/poll`);
    assert.equal(refused.status, 503);
  });

  it('an Origin that is not allowed: 403 origin_not_allowed on GET and POST; an allowed one gets CORS headers', async () => {
    const { base } = await start({ transports: { allowedOrigins: ['https://good.example'] } });
    const bad = await request(`${base}/connection/poll`, { headers: { origin: 'https://evil.example' } });
    assert.equal(bad.status, 403);
    assert.equal(JSON.parse(bad.body).error.name, 'origin_not_allowed');
    const good = await request(`${base}/connection/poll`, { headers: { origin: 'https://good.example' } });
    assert.equal(good.status, 200);
    assert.equal(good.headers['access-control-allow-origin'], 'https://good.example');
    const session = JSON.parse(good.body).session as string;
    const badPost = await post(base, session, [connect], { origin: 'https://evil.example' });
    assert.equal(badPost.status, 403);
    const preflight = await request(`${base}/connection/events`, { method: 'OPTIONS', headers: { origin: 'https://good.example' } });
    assert.equal(preflight.status, 204);
    assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
  });

  it('wrong methods are 405; with transports disabled the paths are not served', async () => {
    const { base } = await start();
    assert.equal((await request(`${base}/connection/send?session=x.y`)).status, 405);
    assert.equal((await request(`${base}/connection/sse`, { method: 'POST' })).status, 405);
    const off = await start({ transports: { enabled: false } });
    assert.equal((await request(`${off.base}/connection/sse`)).status, 404);
  });
});
