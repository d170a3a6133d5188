// Hub commands a hostile client can send on one connection: subscribe/unsubscribe races,
// deeply nested data, invalid names. Exactly one reply per command, the documented error
// codes, no stack traces in the server's log. (Channel churn: churn.test.ts.)

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { assertServesWellBehavedClient, HubClient } from './good-client.js';
import { RSS_BOUND_MIB } from './limits.js';
import { NESTING_DEPTH, nestedJson } from './payloads.js';
import { assertAlive, stackTraceLines, sharedAbuseServer } from './server.js';
import { cliToken, subscriptionToken } from './tokens.js';

const BAD_REQUEST = 107;

describe('hub commands against volley serve', () => {
  const shared = sharedAbuseServer('command tests');

  /** Sends subscribe and unsubscribe back to back for each channel; every command must get exactly one reply. */
  async function subscribeUnsubscribe(client: HubClient, channels: string[], token?: (channel: string) => Promise<string>) {
    const tokens = new Map<string, string>();
    if (token) for (const channel of channels) tokens.set(channel, await token(channel));
    const ids: number[] = [];
    for (const channel of channels) {
      ids.push(client.send('subscribe', { channel, ...(token ? { token: tokens.get(channel) } : {}) }));
      ids.push(client.send('unsubscribe', { channel }));
    }
    await Promise.all(ids.map((id) => client.reply(id)));
    // A last round trip, so that a second reply to any of them would have arrived by now.
    await client.request('ping');
    for (const id of ids) assert.equal(client.replies.filter((r) => r.id === id).length, 1, `command ${id} got ${client.replies.filter((r) => r.id === id).length} replies`);
  }

  test('subscribe at once followed by unsubscribe gets exactly one reply each (history and private channels)', async () => {
    const client = await HubClient.connect(shared.server.hubUrl, await cliToken('alice'));
    try {
      await subscribeUnsubscribe(client, Array.from({ length: 50 }, (_, i) => `chat:race-${i}-${randomUUID()}`));
      await subscribeUnsubscribe(
        client,
        Array.from({ length: 20 }, (_, i) => `$chat:race-${i}-${randomUUID()}`),
        (channel) => subscriptionToken('alice', channel),
      );
      assert.equal(client.closeCode, undefined);
    } finally {
      client.close();
    }
    assertAlive(shared.server);
  });

  test('unsubscribe of an invalid channel name answers 107', async () => {
    const client = await HubClient.connect(shared.server.hubUrl);
    try {
      for (const channel of ['', 'chat:', 'chat:a b', `chat:${'x'.repeat(300)}`, '#', 'chat:bad\u0000name']) {
        const reply = await client.request('unsubscribe', { channel });
        assert.equal(reply.error?.code, BAD_REQUEST, `unsubscribe ${JSON.stringify(channel)} answered ${JSON.stringify(reply)}`);
      }
    } finally {
      client.close();
    }
  });

  test(`publish data nested ${NESTING_DEPTH} levels deep answers 107, with no stack trace in the log`, async () => {
    const channel = `chat:nested-${randomUUID()}`;
    const client = await HubClient.connect(shared.server.hubUrl);
    try {
      assert.equal((await client.request('subscribe', { channel })).error, undefined);
      const ids = Array.from({ length: 20 }, () =>
        client.sendRaw((id) => `{"id":${id},"method":"publish","params":{"channel":${JSON.stringify(channel)},"data":${nestedJson()}}}`),
      );
      for (const id of ids) {
        const reply = await client.reply(id);
        assert.equal(reply.error?.code, BAD_REQUEST, `nested publish answered ${JSON.stringify(reply).slice(0, 300)}`);
      }
      // A normal publication still works on the same connection.
      assert.equal((await client.request('publish', { channel, data: { ok: true } })).error, undefined);
      assert.equal(client.closeCode, undefined);
    } finally {
      client.close();
    }
    assertAlive(shared.server);
    assert.deepEqual(stackTraceLines(shared.server.stderr() + shared.server.stdout()), [], 'the server logged a stack trace');
    await assertServesWellBehavedClient(shared.server);
    assert.ok(shared.rss.sample() - shared.rss.baseline <= RSS_BOUND_MIB, `RSS grew by ${(shared.rss.sample() - shared.rss.baseline).toFixed(1)} MiB`);
  });
});
