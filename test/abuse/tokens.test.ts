// Every token means only what it says: a subscription token is no connection token, and a
// connection token is no subscription token (docs/protocol.md, "Tokens": the `kind` claim;
// error 118 wrong_token_kind).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { assertServesWellBehavedClient, HubClient } from './good-client.js';
import { RSS_BOUND_MIB } from './limits.js';
import { assertAlive, sharedAbuseServer } from './server.js';
import { cliToken, subscriptionToken } from './tokens.js';

const PERMISSION_DENIED = 103;
const WRONG_TOKEN_KIND = 118;
const CLOSE_UNAUTHORIZED = 3500;

describe('token kinds against volley serve', () => {
  const shared = sharedAbuseServer('token tests');

  test('a subscription token is refused as a connection token (118, close 3500)', async () => {
    const vault = `$chat:vault-${randomUUID()}`;
    // From the issuer users run, and as a backend signs one (with and without the kind claim).
    const tokens = [
      await cliToken('alice', ['--channel', vault, '--info', '{"name":"Mallory as Alice"}']),
      await subscriptionToken('alice', vault, { name: 'Mallory as Alice' }),
    ];
    for (const token of tokens) {
      const client = await HubClient.open(shared.server.hubUrl);
      const connect = client.send('connect', { token });
      // What the holder would do next if the connect were accepted: subscribe wherever the namespace allows.
      const subscribe = client.send('subscribe', { channel: `chat:elsewhere-${randomUUID()}` });
      const reply = await client.reply(connect);
      assert.equal(reply.error?.code, WRONG_TOKEN_KIND, `connect with a subscription token answered ${JSON.stringify(reply)}`);
      assert.equal(await client.closed, CLOSE_UNAUTHORIZED);
      assert.equal(client.replies.find((r) => r.id === subscribe)?.result, undefined, 'the subscribe after a refused connect must not succeed');
    }
    assertAlive(shared.server);
    await assertServesWellBehavedClient(shared.server);
    assert.ok(shared.rss.sample() - shared.rss.baseline <= RSS_BOUND_MIB);
  });

  test('a connection token is refused as a subscription token (118), and for refresh a subscription token too', async () => {
    const vault = `$chat:vault-${randomUUID()}`;
    const client = await HubClient.connect(shared.server.hubUrl, await cliToken('alice'));
    try {
      // The connection token of the very user, and one that even lists the channel in its claim.
      for (const token of [await cliToken('alice'), await cliToken('alice', ['--channels', vault])]) {
        const reply = await client.request('subscribe', { channel: vault, token });
        assert.equal(reply.error?.code, WRONG_TOKEN_KIND, `subscribe with a connection token answered ${JSON.stringify(reply)}`);
      }
      const refresh = await client.request('refresh', { token: await subscriptionToken('alice', vault) });
      assert.equal(refresh.error?.code, WRONG_TOKEN_KIND, `refresh with a subscription token answered ${JSON.stringify(refresh)}`);
      assert.equal(client.closeCode, undefined);
    } finally {
      client.close();
    }
    assertAlive(shared.server);
    await assertServesWellBehavedClient(shared.server);
  });

  test('the right token of each kind is accepted, and a subscription token only for its own user and channel', async () => {
    const vault = `$chat:vault-${randomUUID()}`;
    const client = await HubClient.connect(shared.server.hubUrl, await cliToken('alice'));
    try {
      const other = await client.request('subscribe', { channel: `$chat:other-${randomUUID()}`, token: await subscriptionToken('alice', vault) });
      assert.equal(other.error?.code, PERMISSION_DENIED, `a token for another channel answered ${JSON.stringify(other)}`);
      const bob = await client.request('subscribe', { channel: vault, token: await subscriptionToken('bob', vault) });
      assert.equal(bob.error?.code, PERMISSION_DENIED, `another user's token answered ${JSON.stringify(bob)}`);
      const own = await client.request('subscribe', { channel: vault, token: await cliToken('alice', ['--channel', vault]) });
      assert.equal(own.error, undefined, `the right subscription token was refused: ${JSON.stringify(own.error)}`);
    } finally {
      client.close();
    }
  });
});
