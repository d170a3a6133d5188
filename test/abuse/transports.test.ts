// The HTTP transports (SSE, HTTP streaming, long-polling) against a real `volley serve`:
// a session flood stops at transports.maxSessions with 503 and bounded memory; a POST flood
// gets 429 while other sessions go on; a client that opens a stream and never reads it is
// cut by the slow-consumer policy with bounded memory, and the readers of the same channel
// (WebSocket and SSE) get every publication.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { killAll } from '../cli/helpers.js';
import { HeldGet, post } from '../transports/http-clients.js';
import { assertServesWellBehavedClient, HubClient } from './good-client.js';
import { RSS_BOUND_MIB } from './limits.js';
import { api, assertAlive, hubInfo, httpRequest, RssSampler, startAbuseServer, waitFor, type AbuseServer } from './server.js';

/** Small enough to reach quickly, large enough to show memory per session. */
const MAX_SESSIONS = 600;
// The flood's sessions must outlive the flood itself, even on a busy machine (else places free
// up during it and more than maxSessions opens succeed), yet go soon enough for the tests after it.
const EXPIRY_MS = 12_000;
const CONFIG = { transports: { maxSessions: MAX_SESSIONS, sessionGraceMs: EXPIRY_MS, postRate: 20, postBurst: 40 }, connectTimeoutMs: EXPIRY_MS };
const PAYLOAD = 'p'.repeat(60_000);

describe('HTTP transports against volley serve', () => {
  let server: AbuseServer;
  let configDir: string;
  const sockets: net.Socket[] = [];
  const held: HeldGet[] = [];
  before(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'volley-abuse-transports-'));
    writeFileSync(join(configDir, 'volley.json'), JSON.stringify(CONFIG));
    server = await startAbuseServer(['--config', join(configDir, 'volley.json')]);
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    for (const h of held) h.close();
    await server?.stop();
    killAll();
    rmSync(configDir, { recursive: true, force: true });
  });

  const openPoll = async () => {
    const answer = await httpRequest(`${server.httpBase}/connection/poll`);
    return { status: answer.status, body: answer.body };
  };

  test(`a session flood stops at maxSessions (${MAX_SESSIONS}) with 503 too_many_sessions, memory bounded; expired sessions free their places`, async (t) => {
    const rss = new RssSampler(server.pid);
    const statuses = new Map<number, number>();
    const attempts = MAX_SESSIONS + 200;
    let refusedBody = '';
    try {
      for (let i = 0; i < attempts; i += 25) {
        const answers = await Promise.all(Array.from({ length: Math.min(25, attempts - i) }, openPoll));
        for (const { status, body } of answers) {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status === 503) refusedBody = body;
        }
      }
      await assertServesWellBehavedClient(server);
    } finally {
      rss.stop();
    }
    t.diagnostic(rss.describe(`${attempts} session opens: ${JSON.stringify(Object.fromEntries(statuses))}`));
    assertAlive(server);
    assert.equal(statuses.get(200), MAX_SESSIONS, 'exactly maxSessions sessions were opened');
    assert.equal(statuses.get(503), attempts - MAX_SESSIONS);
    assert.equal(JSON.parse(refusedBody).error.name, 'too_many_sessions');
    assert.ok(rss.growth <= RSS_BOUND_MIB, `RSS grew by ${rss.growth.toFixed(1)} MiB`);
    // Never connected: the hub closes them after connectTimeoutMs, and with no request attached they go after the grace period.
    const freed = await waitFor(async () => (await openPoll()).status === 200, 'a place for a new session', EXPIRY_MS * 2 + 30_000, 250);
    t.diagnostic(`a new session was accepted ${freed} ms after the flood`);
  });

  /** A new long-poll session once the flood's sessions have gone (the server keeps them until connect timeout + grace). */
  const sessionWhenRoom = async (): Promise<{ session: string; body: string }> => {
    let opened: { status: number; body: string } | undefined;
    await waitFor(async () => (opened = await openPoll()).status === 200, 'room for a session', EXPIRY_MS * 2 + 30_000, 250);
    return { session: JSON.parse(opened!.body).session as string, body: opened!.body };
  };

  test('a POST flood on one session gets 429 too_many_requests; the session and other clients go on', async (t) => {
    const open = await sessionWhenRoom();
    const session = open.session;
    const connected = await post(server.httpBase, session, [{ id: 1, method: 'connect' }]);
    assert.equal(connected.status, 204, `${open.body} ${connected.body}`);
    const statuses = new Map<number, number>();
    const started = Date.now();
    for (let i = 0; i < 300; i += 30) {
      const answers = await Promise.all(Array.from({ length: 30 }, (_, j) => post(server.httpBase, session, [{ id: 100 + i + j, method: 'ping' }])));
      for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    }
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(`300 POSTs in ${seconds.toFixed(1)} s: ${JSON.stringify(Object.fromEntries(statuses))}`);
    const accepted = statuses.get(204) ?? 0;
    assert.ok(accepted <= CONFIG.transports.postBurst + Math.ceil(seconds * CONFIG.transports.postRate) + 1, `${accepted} POSTs accepted`);
    assert.ok((statuses.get(429) ?? 0) > 0);
    assert.deepEqual([...statuses.keys()].filter((s) => s !== 204 && s !== 429), []);
    // The session still works once the bucket refills.
    await waitFor(async () => (await post(server.httpBase, session, [{ id: 9_999, method: 'ping' }])).status === 204, 'a POST after the flood', 10_000, 200);
    await assertServesWellBehavedClient(server);
    assertAlive(server);
  });

  test('a client that opens a stream and never reads is cut as a slow consumer (3002) with bounded memory; the readers get every publication', async (t) => {
    // Room for the three sessions of this test: the flood's sessions are gone.
    for (let i = 0; i < 3; i++) await sessionWhenRoom();
    await waitFor(async () => {
      const answers = await Promise.all(Array.from({ length: 10 }, openPoll));
      return answers.every((a) => a.status === 200);
    }, 'room for ten sessions at once', EXPIRY_MS * 2 + 30_000, 250);
    const channel = `chat:never-reads-${randomUUID()}`;
    // The stalled client: a raw socket that reads the open event, subscribes, then stops reading.
    const socket = net.connect(server.port, '127.0.0.1');
    sockets.push(socket);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => {});
    socket.write(`GET /connection/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await waitFor(() => /"open":\{"session":"([^"]+)"/.test(text), 'the open line', 10_000, 20);
    const session = /"open":\{"session":"([^"]+)"/.exec(text)![1]!;
    assert.equal((await post(server.httpBase, session, [{ id: 1, method: 'connect' }, { id: 2, method: 'subscribe', params: { channel } }])).status, 204);
    await waitFor(() => text.includes('"id":2,"result"'), 'the subscribe reply', 10_000, 20);
    socket.pause();

    // The readers: a WebSocket client and an SSE session on the same channel.
    const reader = await HubClient.connect(server.hubUrl);
    assert.equal((await reader.request('subscribe', { channel })).error, undefined);
    const sse = new HeldGet(`${server.httpBase}/connection/sse`);
    held.push(sse);
    await sse.until(() => sse.sse.length >= 1, 'the SSE open event');
    const sseSession = JSON.parse(sse.sse[0]!.data).session as string;
    assert.equal((await post(server.httpBase, sseSession, [{ id: 1, method: 'connect' }, { id: 2, method: 'subscribe', params: { channel } }])).status, 204);
    await sse.until(() => sse.sse.some((e) => e.data.startsWith('{"id":2,"result"')), 'the SSE subscribe reply');

    const cutsBefore = (await hubInfo(server)).stats.slowConsumerDisconnects ?? 0;
    const rss = new RssSampler(server.pid);
    const offsets: number[] = [];
    try {
      // The HTTP API has no rate limit: publish until the stalled client is cut, and a few more.
      let cutAt: number | undefined;
      for (let i = 0; i < 400 && (cutAt === undefined || offsets.length < cutAt + 10); i++) {
        const { status, json } = await api(server, 'publish', { channel, data: { i, text: PAYLOAD } });
        assert.equal(status, 200, JSON.stringify(json));
        offsets.push(json.result.offset);
        if (cutAt === undefined && i % 10 === 9 && ((await hubInfo(server)).stats.slowConsumerDisconnects ?? 0) > cutsBefore) cutAt = offsets.length;
      }
      assert.notEqual(cutAt, undefined, 'the client that never reads was not cut');
      t.diagnostic(`cut after ${cutAt} publications of 60 KB`);
    } finally {
      rss.stop();
    }
    t.diagnostic(rss.describe(`${offsets.length} publications of 60 KB with a stream that is never read`));
    assertAlive(server);
    assert.ok(rss.growth <= RSS_BOUND_MIB, `RSS grew by ${rss.growth.toFixed(1)} MiB`);

    await reader.untilPushes((p) => p.filter((m) => typeof m.pub === 'string').length >= offsets.length, `${offsets.length} publications on WebSocket`);
    assert.deepEqual(reader.pushes.filter((m) => typeof m.pub === 'string').map((m) => m.offset), offsets, 'the WebSocket reader got every publication once');
    await sse.until(() => sse.sse.filter((e) => e.data.startsWith('{"pub"')).length >= offsets.length, `${offsets.length} publications on SSE`, 60_000);
    const sseOffsets = sse.sse.filter((e) => e.data.startsWith('{"pub"')).map((e) => JSON.parse(e.data).offset);
    assert.deepEqual(sseOffsets, offsets, 'the SSE reader got every publication once');
    // The stalled session is gone: a POST to it is 404.
    assert.equal((await post(server.httpBase, session, [{ id: 3, method: 'ping' }])).status, 404);
    reader.close();
    await assertServesWellBehavedClient(server);
  });
});
