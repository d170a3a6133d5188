// GET /connection/events over real HTTP (plain requests and curl): publications as SSE
// events whose id is the position of every followed channel; a cut stream resumed by
// Last-Event-ID gets exactly what it missed; a gap is announced; refusals are HTTP statuses.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { createServer, type VolleyServer, type VolleyServerOptions } from '../../../src/server/index.js';
import { hsToken, SECRET } from '../../hub/helpers.js';
import { LossyBroker } from '../../support/lossy-broker.js';
import { HeldGet, parseSse, request, type SseEvent } from '../http-clients.js';

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
    namespaces: { chat: { historySize: 100, historyTtlMs: 60_000 }, live: {}, small: { historySize: 2, historyTtlMs: 60_000 } },
    ...options,
  });
  servers.push(server);
  const { port } = await server.listen();
  return { server, base: `http://127.0.0.1:${port}` };
}

function follow(url: string, headers: Record<string, string> = {}): HeldGet {
  const h = new HeldGet(url, headers);
  held.push(h);
  return h;
}

const publications = (events: SseEvent[]) => events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data) as { channel: string; data: any; offset?: number });

/** Waits until the stream has started (its first bytes came). */
async function started(stream: HeldGet): Promise<void> {
  await stream.until(() => stream.text.length > 0, 'the stream to start');
}

describe('/connection/events', () => {
  it('follows two channels: each publication is an event with its channel, data and offset', async () => {
    const { server, base } = await start();
    const stream = follow(`${base}/connection/events?channel=chat:a&channel=chat:b`);
    await started(stream);
    assert.equal(stream.status, 200);
    assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
    await server.publish('chat:a', { n: 1 });
    await server.publish('chat:b', { n: 2 });
    await server.publish('chat:a', { n: 3 });
    await stream.until(() => publications(stream.sse).length >= 3, 'three publications');
    assert.deepEqual(publications(stream.sse), [
      { channel: 'chat:a', data: { n: 1 }, offset: 1 },
      { channel: 'chat:b', data: { n: 2 }, offset: 1 },
      { channel: 'chat:a', data: { n: 3 }, offset: 2 },
    ]);
    assert.ok(stream.sse.every((e) => e.id !== undefined && e.id.length > 0));
  });

  it('a cut stream resumed with Last-Event-ID gets exactly what it missed on every channel, nothing twice', async () => {
    const { server, base } = await start();
    const url = `${base}/connection/events?channel=chat:x&channel=chat:y`;
    const first = follow(url);
    await started(first);
    for (let i = 1; i <= 4; i++) await server.publish(i % 2 ? 'chat:x' : 'chat:y', { i });
    await first.until(() => publications(first.sse).length >= 4, 'four publications');
    first.close();
    const lastId = first.sse.at(-1)!.id!;
    for (let i = 5; i <= 9; i++) await server.publish(i % 2 ? 'chat:x' : 'chat:y', { i });
    const resumed = follow(url, { 'last-event-id': lastId });
    await started(resumed);
    await server.publish('chat:x', { i: 10 });
    await resumed.until(() => publications(resumed.sse).length >= 6, 'the missed five and the live one');
    // Recovered per channel in the order of the request, then live.
    assert.deepEqual(publications(resumed.sse).map((p) => p.data.i), [5, 7, 9, 6, 8, 10]);
    const seen = [...publications(first.sse), ...publications(resumed.sse)].map((p) => p.data.i).sort((a, b) => a - b);
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'every publication exactly once');
    // Per channel in offset order.
    for (const channel of ['chat:x', 'chat:y']) {
      const offsets = publications(resumed.sse).filter((p) => p.channel === channel).map((p) => p.offset!);
      assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
    }
  });

  it('a position no longer in history, or a channel without history, is announced as a gap, then live', async () => {
    const { server, base } = await start();
    const url = `${base}/connection/events?channel=small:g&channel=live:g`;
    const first = follow(url);
    await started(first);
    await server.publish('small:g', 1);
    await server.publish('live:g', 'live');
    await first.until(() => publications(first.sse).length >= 2, 'two publications');
    first.close();
    for (let i = 2; i <= 6; i++) await server.publish('small:g', i);
    const resumed = follow(url, { 'last-event-id': first.sse.at(-1)!.id! });
    await started(resumed);
    await resumed.until(() => resumed.sse.filter((e) => e.event === 'gap').length >= 2, 'two gaps');
    const gaps = resumed.sse.filter((e) => e.event === 'gap').map((e) => JSON.parse(e.data).channel).sort();
    assert.deepEqual(gaps, ['live:g', 'small:g']);
    await server.publish('small:g', 7);
    await resumed.until(() => publications(resumed.sse).some((p) => p.data === 7), 'the live publication');
  });

  it('publications lost on their way to the node are announced as a gap in place, then the stream goes on', async () => {
    const broker = new LossyBroker();
    const { server, base } = await start({ broker });
    const stream = follow(`${base}/connection/events?channel=chat:lost`);
    await started(stream);
    await server.publish('chat:lost', 1);
    broker.dropping = true;
    await server.publish('chat:lost', 2);
    await server.publish('chat:lost', 3);
    broker.dropping = false;
    await server.publish('chat:lost', 4);
    await stream.until(() => publications(stream.sse).length >= 2, 'the publication after the loss');
    const events = stream.sse.filter((e) => e.event !== undefined);
    assert.deepEqual(events.map((e) => e.event), ['message', 'gap', 'message']);
    assert.equal(JSON.parse(events[1]!.data).channel, 'chat:lost');
    assert.deepEqual(publications(stream.sse).map((p) => p.offset), [1, 4]);
  });

  it('refusals before the stream starts: 400 without channels, for an unknown namespace or a bad Last-Event-ID; 401 for a bad token; 403 where anonymous may not follow', async () => {
    const { base } = await start({ allowAnonymous: false, auth: { hmacSecret: SECRET } });
    assert.equal((await request(`${base}/connection/events`)).status, 400);
    const token = await hsToken({ sub: 'alice' });
    const unknown = await request(`${base}/connection/events?channel=nope:x`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(unknown.status, 400);
    assert.equal(JSON.parse(unknown.body).error.name, 'unknown_channel');
    const badToken = await request(`${base}/connection/events?channel=chat:a&token=garbage`);
    assert.equal(badToken.status, 401);
    assert.equal(JSON.parse(badToken.body).error.name, 'unauthorized');
    const anonymous = await request(`${base}/connection/events?channel=chat:a`);
    assert.equal(anonymous.status, 401);
    const badId = await request(`${base}/connection/events?channel=chat:a&token=${token}`, { headers: { 'last-event-id': '!!' } });
    assert.equal(badId.status, 400);
    const ok = follow(`${base}/connection/events?channel=chat:a`, { authorization: `Bearer ${token}` });
    await started(ok);
    assert.equal(ok.status, 200);
    const limited = await request(`${base}/connection/events?channel=chat:room%23bob`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(limited.status, 403);
    assert.equal(JSON.parse(limited.body).error.name, 'permission_denied');
  });

  it('event streams count as sessions (503 too_many_sessions over maxSessions); a stream never read is cut as a slow consumer', async () => {
    const { server, base } = await start({ transports: { maxSessions: 1 }, limits: { highWaterMark: 200_000 }, websocket: { highWaterMark: 100_000 } });
    const port = Number(new URL(base).port);
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.write('GET /connection/events?channel=chat:slow HTTP/1.1\r\nHost: x\r\n\r\n');
    while (!text.includes(': open')) await new Promise((resolve) => setTimeout(resolve, 20));
    socket.pause();
    const refused = await request(`${base}/connection/events?channel=chat:other`);
    assert.equal(refused.status, 503);
    assert.equal(JSON.parse(refused.body).error.name, 'too_many_sessions');
    let published = 0;
    while (server.hub.stats.slowConsumerDisconnects === 0 && published < 2_000) await server.publish('chat:slow', { n: published++, pad: 'q'.repeat(30_000) });
    socket.destroy();
    assert.equal(server.hub.stats.slowConsumerDisconnects, 1);
    // Its place is free again.
    const next = follow(`${base}/connection/events?channel=chat:other`);
    await started(next);
    assert.equal(next.status, 200);
  });

  it('a private channel needs its subscription token as token.CHANNEL', async () => {
    const { server, base } = await start({ allowAnonymous: false, auth: { hmacSecret: SECRET } });
    const token = await hsToken({ sub: 'dana' });
    const channel = '$chat:secret';
    const without = await request(`${base}/connection/events?channel=${encodeURIComponent(channel)}&token=${token}`);
    assert.equal(without.status, 403);
    const subscription = await hsToken({ sub: 'dana', channel, kind: 'subscription' });
    const stream = follow(`${base}/connection/events?channel=${encodeURIComponent(channel)}&token=${token}&${encodeURIComponent(`token.${channel}`)}=${subscription}`);
    await started(stream);
    assert.equal(stream.status, 200);
    await server.publish(channel, 'psst');
    await stream.until(() => publications(stream.sse).length === 1, 'the private publication');
    assert.equal(publications(stream.sse)[0]!.data, 'psst');
  });

  it('the token in the query works like the header; the server ending the stream sends event: close', async () => {
    const { server, base } = await start({ allowAnonymous: false, auth: { hmacSecret: SECRET } });
    const token = await hsToken({ sub: 'carol' });
    const stream = follow(`${base}/connection/events?channel=chat:q&token=${token}`);
    await started(stream);
    await server.hub.disconnectUser('carol', 3503, 'enough');
    await stream.until(() => stream.ended, 'the end');
    const close = stream.sse.find((e) => e.event === 'close');
    assert.deepEqual(JSON.parse(close!.data), { code: 3503, reason: 'enough' });
  });
});

const curlAvailable = spawnSync('curl', ['--version']).status === 0;

describe('/connection/events with curl', { skip: curlAvailable ? false : 'curl is not installed' }, () => {
  /** Runs `curl -N` until it has printed `count` publications, then kills it. */
  function curlEvents(url: string, count: number, headers: string[] = []): Promise<SseEvent[]> {
    return new Promise((resolve, reject) => {
      const child = spawn('curl', ['-sN', ...headers.flatMap((h) => ['-H', h]), url]);
      let text = '';
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`curl got only: ${text}`));
      }, 20_000);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        text += chunk;
        const events = parseSse(text).events.filter((e) => e.event === 'message');
        if (events.length >= count) {
          clearTimeout(timer);
          child.kill();
          resolve(events);
        }
      });
      child.on('error', reject);
    });
  }

  it('curl follows a channel, is cut, and resumes with -H Last-Event-ID: nothing lost, nothing doubled', async () => {
    const { server, base } = await start();
    const url = `${base}/connection/events?channel=chat:curl`;
    const firstRun = curlEvents(url, 3);
    // curl's stream is a hub connection once it has started.
    while (server.hub.connectionCount === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    let published = 0;
    for (let i = 0; i < 3; i++) await server.publish('chat:curl', { n: ++published });
    const seenFirst = await firstRun;
    const before = seenFirst.map((e) => JSON.parse(e.data).data.n as number);
    assert.deepEqual(before, [1, 2, 3]);
    const lastId = seenFirst.at(-1)!.id!;
    for (let i = 0; i < 3; i++) await server.publish('chat:curl', { n: ++published });
    const seenSecond = await curlEvents(url, 3, [`Last-Event-ID: ${lastId}`]);
    const after = seenSecond.map((e) => JSON.parse(e.data).data.n as number);
    assert.deepEqual(after, [4, 5, 6]);
  });
});
