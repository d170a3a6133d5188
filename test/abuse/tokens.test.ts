// Every token means only what it says: a subscription token is no connection token, and a
// connection token is no subscription token.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { killAll } from '../cli/helpers.js';
import { assertServesWellBehavedClient, HubClient } from './good-client.js';
import { RSS_BOUND_MIB } from './limits.js';
import { assertAlive, RssSampler, startAbuseServer, type AbuseServer } from './server.js';
import { connectionToken, subscriptionToken } from './tokens.js';

const UNAUTHORIZED = 101;
const PERMISSION_DENIED = 103;
const CLOSE_UNAUTHORIZED = 3500;

describe('token kinds against volley serve', () => {
  let server: AbuseServer;
  let rss: RssSampler;
  before(async () => {
    server = await startAbuseServer();
    rss = new RssSampler(server.pid);
  });
  after(async () => {
    rss?.stop();
    if (rss) console.log(rss.describe('token tests'));
    await server?.stop();
    killAll();
  });

  test('a subscription token is refused as a connection token (101, close 3500)', async () => {
    const vault = `$chat:vault-${randomUUID()}`;
    const token = await subscriptionToken('alice', vault, { name: 'Mallory as Alice' });
    const client = await HubClient.open(server.hubUrl);
    const connect = client.send('connect', { token });
    // What the holder would do next if the connect were accepted: subscribe wherever the namespace allows.
    const subscribe = client.send('subscribe', { channel: `chat:elsewhere-${randomUUID()}` });
    const reply = await client.reply(connect);
    assert.equal(reply.error?.code, UNAUTHORIZED, `connect with a subscription token answered ${JSON.stringify(reply)}`);
    assert.equal(await client.closed, CLOSE_UNAUTHORIZED);
    assert.equal(client.replies.find((r) => r.id === subscribe)?.result, undefined, 'the subscribe after a refused connect must not succeed');
    assertAlive(server);
    await assertServesWellBehavedClient(server);
    assert.ok(rss.sample() - rss.baseline <= RSS_BOUND_MIB);
  });

  test('a connection token is refused as a subscription token (103)', async () => {
    const vault = `$chat:vault-${randomUUID()}`;
    const client = await HubClient.connect(server.hubUrl, await connectionToken('alice'));
    try {
      // The connection token of the very user, and one that even lists the channel in its claim.
      for (const token of [await connectionToken('alice'), await connectionToken('alice', ['--channels', vault])]) {
        const reply = await client.request('subscribe', { channel: vault, token });
        assert.equal(reply.error?.code, PERMISSION_DENIED, `subscribe with a connection token answered ${JSON.stringify(reply)}`);
      }
      assert.equal(client.closeCode, undefined);
    } finally {
      client.close();
    }
    assertAlive(server);
    await assertServesWellBehavedClient(server);
  });

  test('the right token of each kind is accepted, and a subscription token only for its own channel', async () => {
    const vault = `$chat:vault-${randomUUID()}`;
    const client = await HubClient.connect(server.hubUrl, await connectionToken('alice'));
    try {
      const other = await client.request('subscribe', { channel: `$chat:other-${randomUUID()}`, token: await subscriptionToken('alice', vault) });
      assert.equal(other.error?.code, PERMISSION_DENIED, `a token for another channel answered ${JSON.stringify(other)}`);
      const bob = await client.request('subscribe', { channel: vault, token: await subscriptionToken('bob', vault) });
      assert.equal(bob.error?.code, PERMISSION_DENIED, `another user's token answered ${JSON.stringify(bob)}`);
      const own = await client.request('subscribe', { channel: vault, token: await subscriptionToken('alice', vault, { role: 'reader' }) });
      assert.equal(own.error, undefined, `the right subscription token was refused: ${JSON.stringify(own.error)}`);
    } finally {
      client.close();
    }
  });
});
