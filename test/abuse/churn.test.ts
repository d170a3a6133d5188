// Channel churn: one anonymous socket subscribes to ever new channels of a history namespace
// and leaves them. Nothing is published, so nothing may be kept: on the code of issue 12
// each subscribe made a stream record that lived 30 days (historyMetaTtlMs), ~1 KiB each,
// at ~14,000 channels a second from a single socket. The default command rate (100/s) now
// slows one socket down, but not many, nor a day of one: this server lifts the rate so that
// the test churns thousands of channels in seconds.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { killAll } from '../cli/helpers.js';
import { assertServesWellBehavedClient, HubClient } from './good-client.js';
import { RSS_BOUND_MIB } from './limits.js';
import { api, assertAlive, rssMiB, RssSampler, startAbuseServer, type AbuseServer } from './server.js';

/**
 * A small old generation for this server only: the collector then runs often enough that
 * RSS follows what is live, instead of a heap still growing to its working size.
 */
const HEAP_MIB = 40;
const ROUND = 4_000;
const MEASURED_ROUNDS = 2;
/**
 * RSS after the measured rounds against RSS after a warm-up round. It catches a gross leak;
 * at ~1 KiB per channel the 8,000 measured channels alone would not stand out of the noise
 * (±6 MiB measured), which is why the second test asks the server itself whether it kept them.
 */
const GROWTH_BOUND_MIB = 12;
/**
 * `market:` keeps history and has no presence, so each subscribe is cheap for the server;
 * long names (a stream record keeps its channel's name) make each record it would keep large.
 */
const channelName = () => `market:churn-${'x'.repeat(200)}-${randomUUID()}`;

describe('channel churn against volley serve', () => {
  let server: AbuseServer;
  let client: HubClient;
  let configDir: string;
  before(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'volley-abuse-churn-'));
    writeFileSync(join(configDir, 'volley.json'), JSON.stringify({ limits: { commandRate: 1_000_000, commandBurst: 1_000_000 } }));
    server = await startAbuseServer(['--config', join(configDir, 'volley.json')], { NODE_OPTIONS: `--max-old-space-size=${HEAP_MIB}` });
    client = await HubClient.connect(server.hubUrl);
  });
  after(async () => {
    client?.close();
    await server?.stop();
    killAll();
    rmSync(configDir, { recursive: true, force: true });
  });

  /** Subscribes to the channels (at most 100 at once: maxChannelsPerConnection is 128) and leaves them; returns each subscribe result. */
  async function subscribeAndLeave(channels: string[]): Promise<any[]> {
    const results: any[] = [];
    for (let i = 0; i < channels.length; i += 100) {
      const batch = channels.slice(i, i + 100);
      const subscribed = batch.map((channel) => client.send('subscribe', { channel }));
      for (const id of subscribed) {
        const reply = await client.reply(id);
        assert.equal(reply.error, undefined, `subscribe: ${JSON.stringify(reply.error)}`);
        results.push(reply.result);
      }
      const left = batch.map((channel) => client.send('unsubscribe', { channel }));
      for (const id of left) assert.equal((await client.reply(id)).error, undefined);
    }
    return results;
  }

  test('subscribing to ever new channels in a history namespace does not grow memory', async (t) => {
    const churn = () => subscribeAndLeave(Array.from({ length: ROUND }, channelName));
    await churn();
    const before = rssMiB(server.pid);
    const rss = new RssSampler(server.pid);
    for (let round = 0; round < MEASURED_ROUNDS; round++) await churn();
    rss.stop();
    const afterChurn = rssMiB(server.pid);
    t.diagnostic(
      `${ROUND * (MEASURED_ROUNDS + 1)} channels subscribed and left (old generation ${HEAP_MIB} MiB): RSS ${before.toFixed(1)} MiB after the ` +
        `warm-up round, ${afterChurn.toFixed(1)} MiB after ${MEASURED_ROUNDS} more (${(afterChurn - before).toFixed(1)} MiB), peak ${rss.peak.toFixed(1)} MiB`,
    );
    assertAlive(server);
    assert.ok(rss.growth <= RSS_BOUND_MIB, `RSS peak grew by ${rss.growth.toFixed(1)} MiB`);
    assert.ok(afterChurn - before <= GROWTH_BOUND_MIB, `RSS grew by ${(afterChurn - before).toFixed(1)} MiB over ${ROUND * MEASURED_ROUNDS} channels nobody publishes to`);
    await assertServesWellBehavedClient(server);
  });

  test('the server keeps no stream for a channel that was only subscribed to', async () => {
    // A stream's epoch is drawn when the stream is made. A channel subscribed to twice that
    // shows the same (non-empty) epoch both times had its stream kept in between.
    const channels = Array.from({ length: 1_000 }, channelName);
    const first = await subscribeAndLeave(channels);
    const second = await subscribeAndLeave(channels);
    const kept = channels.filter((_, i) => first[i].epoch !== undefined && first[i].epoch !== '' && first[i].epoch === second[i].epoch);
    assert.equal(kept.length, 0, `the server kept the stream of ${kept.length} of ${channels.length} channels nobody published to (epoch ${first[0].epoch})`);
    // The check can see a kept stream: after a publication (market: is published by the
    // server; the API stands in for its feed) the stream exists, and both subscribes find it.
    const [published] = channels as [string];
    const { status, raw } = await api(server, 'publish', { channel: published, data: { tick: 1 } });
    assert.equal(status, 200, raw);
    const [once, again] = [...(await subscribeAndLeave([published])), ...(await subscribeAndLeave([published]))];
    assert.ok(once.epoch !== undefined && once.epoch !== '' && once.epoch === again.epoch, `a published stream: ${JSON.stringify([once, again])}`);
    assertAlive(server);
  });
});
