// Floods of hub commands from one connection against a real `volley serve`: every command
// is answered exactly once, what passes limits.commandRate/commandBurst or
// limits.maxPendingCommands is answered with too_many_requests (111) at once, the
// connection stays open, memory stays bounded and other clients are served.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { LIMIT_DEFAULTS } from '../../src/hub/options.js';
import { binarySkipReason, PrivateEngine, REDIS_SERVER } from '../cluster/engines.js';
import { assertServesWellBehavedClient, HubClient, type Reply } from './good-client.js';
import { RSS_BOUND_MIB } from './limits.js';
import { assertAlive, RssSampler, sharedAbuseServer, startAbuseServer, waitFor, type AbuseServer } from './server.js';
import { killAll } from '../cli/helpers.js';

const TOO_MANY_REQUESTS = 111;

/** Sends `count` commands without waiting, then waits until each has its reply; returns them by id. */
async function pipeline(client: HubClient, count: number, command: (i: number) => [string, unknown?]): Promise<Map<number, Reply[]>> {
  const ids = Array.from({ length: count }, (_, i) => client.send(...command(i)));
  const wanted = new Set(ids);
  await waitFor(() => client.replies.filter((r) => wanted.has(r.id)).length >= count || client.closeCode !== undefined, `replies to ${count} commands`, 60_000);
  // A last round trip, so that a second reply to any of them would have arrived by now.
  await client.request('ping').catch(() => undefined);
  const byId = new Map<number, Reply[]>(ids.map((id) => [id, []]));
  for (const reply of client.replies) byId.get(reply.id)?.push(reply);
  return byId;
}

function tally(byId: Map<number, Reply[]>): { ok: number; refused: Map<string, number>; other: Reply[] } {
  const refused = new Map<string, number>();
  const other: Reply[] = [];
  let ok = 0;
  for (const [id, replies] of byId) {
    assert.equal(replies.length, 1, `command ${id} got ${replies.length} replies`);
    const reply = replies[0]!;
    if (reply.error === undefined) ok += 1;
    else if (reply.error.code === TOO_MANY_REQUESTS) refused.set(reply.error.message, (refused.get(reply.error.message) ?? 0) + 1);
    else other.push(reply);
  }
  return { ok, refused, other };
}

describe('command floods against volley serve', () => {
  const shared = sharedAbuseServer('command floods');

  test('20,000 pipelined history, presence and ping commands: the burst is served, the rest answered 111, the connection stays', async (t) => {
    const channel = `chat:flood-${randomUUID()}`;
    const client = await HubClient.connect(shared.server.hubUrl);
    try {
      assert.equal((await client.request('subscribe', { channel })).error, undefined);
      const methods: Array<[string, unknown?]> = [['history', { channel, limit: 10 }], ['presence', { channel }], ['ping']];
      const started = Date.now();
      const { ok, refused, other } = tally(await pipeline(client, 20_000, (i) => methods[i % methods.length]!));
      const seconds = (Date.now() - started) / 1000;
      t.diagnostic(`${ok} served, ${[...refused].map(([m, n]) => `${n} "${m}"`).join(', ')} in ${seconds.toFixed(1)} s`);
      assert.deepEqual(other, [], 'no other error');
      assert.ok(ok >= 100, `the burst is served (${ok})`);
      const allowed = LIMIT_DEFAULTS.commandBurst + LIMIT_DEFAULTS.commandRate * (seconds + 1);
      assert.ok(ok <= allowed, `at most the burst plus the rate over ${seconds.toFixed(1)} s: ${ok} > ${allowed}`);
      assert.ok((refused.get('command rate limit reached') ?? 0) >= 20_000 - allowed);
      assert.equal(client.closeCode, undefined, 'refused, not disconnected');
    } finally {
      client.close();
    }
    assertAlive(shared.server);
    await assertServesWellBehavedClient(shared.server);
    assert.ok(shared.rss.sample() - shared.rss.baseline <= RSS_BOUND_MIB, `RSS grew by ${(shared.rss.sample() - shared.rss.baseline).toFixed(1)} MiB`);
  });
});

describe('commands against a stalled engine', { skip: binarySkipReason('redis-server', REDIS_SERVER) ?? false }, () => {
  let engine: PrivateEngine;
  let server: AbuseServer;
  before(async () => {
    engine = await PrivateEngine.redis();
    await engine.start();
    server = await startAbuseServer(['--broker', engine.url]);
  });
  after(async () => {
    await server?.stop();
    killAll();
    await engine?.destroy();
  });

  test('an engine that stops answering holds at most maxPendingCommands per connection; the rest are answered 111 at once', async (t) => {
    const channel = `chat:stall-${randomUUID()}`;
    const client = await HubClient.connect(server.hubUrl);
    const rss = new RssSampler(server.pid);
    try {
      assert.equal((await client.request('subscribe', { channel })).error, undefined);
      engine.pause();
      // Two batches a second and a half apart: the rate lets all of them through (the bucket
      // refills to its burst), so what holds them back is the cap on commands in flight.
      const first = Array.from({ length: 150 }, () => client.send('history', { channel, limit: 1 }));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const second = Array.from({ length: 150 }, () => client.send('history', { channel, limit: 1 }));
      const refusedAtOnce = () => client.replies.filter((r) => r.error?.message === 'too many commands in flight').length;
      await waitFor(() => refusedAtOnce() >= 300 - LIMIT_DEFAULTS.maxPendingCommands, 'refusals while the engine is stalled');
      const answered = new Set(client.replies.map((r) => r.id));
      assert.ok(first.every((id) => !answered.has(id)), 'the first batch waits for the engine');
      t.diagnostic(`${refusedAtOnce()} of the second batch refused while ${LIMIT_DEFAULTS.maxPendingCommands} wait`);
      assert.equal(refusedAtOnce(), 300 - LIMIT_DEFAULTS.maxPendingCommands);

      engine.resume();
      await waitFor(() => [...first, ...second].every((id) => client.replies.some((r) => r.id === id)), 'every command answered once the engine is back');
      assert.equal((await client.request('history', { channel, limit: 1 })).error, undefined, 'commands run again');
      assert.equal(client.closeCode, undefined);
    } finally {
      engine.resume();
      rss.stop();
      client.close();
    }
    t.diagnostic(rss.describe('stalled engine'));
    assertAlive(server);
    assert.ok(rss.growth <= RSS_BOUND_MIB);
  });
});
