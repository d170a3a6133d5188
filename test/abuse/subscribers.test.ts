// Stalled subscribers: many anonymous sockets subscribe to one chat channel and stop reading
// while ordinary clients publish large messages at the allowed rate. The hub cuts the stalled
// ones (3002), and a cut must be final at once: their descriptors and kernel buffers released
// within seconds, not after the 30 s closing handshake timeout. Readers of the same channel
// keep their connection and get every publication.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { killAll } from '../cli/helpers.js';
import { assertServesWellBehavedClient, HubClient } from './good-client.js';
import { RSS_BOUND_MIB } from './limits.js';
import { clientFrame, command, Opcode, openRaw, type RawPeer } from './raw-socket.js';
import { assertAlive, fdCount, hubInfo, RssSampler, startAbuseServer, waitFor, type AbuseServer } from './server.js';

/**
 * The report used 1,000 sockets. 250 shows the same effect here (a quarter of a
 * thousand descriptors held, each with its kernel buffers filled) while its handshakes and
 * the fan-out of ~100 publications to each stay a few seconds of work on a busy 2-core
 * machine that runs other test files at the same time; more only makes the test slower and
 * its timing noisier, not the check stronger.
 */
const STALLED = 250;
const PUBLISHERS = 3;
/** Just under the 64 KiB maxPublicationSize / maxMessageSize of the defaults. */
const PAYLOAD = 'p'.repeat(60_000);
/** Cut sockets must be gone well within the 30 s close timeout that the lingering took. */
const GONE_DEADLINE_MS = 12_000;
/** Descriptors the server may open meanwhile for other reasons (an /api/info request). */
const FD_SLACK = 4;
const RATE_LIMITED = 111;

describe('stalled subscribers against volley serve', () => {
  let server: AbuseServer;
  const peers: RawPeer[] = [];
  before(async () => {
    server = await startAbuseServer();
  });
  after(async () => {
    for (const peer of peers) peer.socket.destroy();
    await server?.stop();
    killAll();
  });

  /** An anonymous socket that connects, subscribes, reads the two replies and then never reads again. */
  async function stalledSubscriber(channel: string): Promise<RawPeer> {
    const peer = await openRaw(server.port, '/connection/websocket', { protocol: 'volley.v1' });
    peers.push(peer);
    peer.socket.write(clientFrame(Opcode.text, command(1, 'connect')));
    peer.socket.write(clientFrame(Opcode.text, command(2, 'subscribe', { channel })));
    await peer.reader.until(() => peer.reader.texts.some((t) => JSON.parse(t).id === 2));
    const reply = peer.reader.texts.map((t) => JSON.parse(t)).find((m) => m.id === 2);
    assert.equal(reply.error, undefined, `stalled subscriber's subscribe: ${JSON.stringify(reply)}`);
    peer.socket.pause();
    return peer;
  }

  test(`${STALLED} stalled subscribers are cut with 3002 and gone at once; the readers keep up`, async (t) => {
    const channel = `chat:stalled-${randomUUID()}`;
    const reader = await HubClient.connect(server.hubUrl);
    const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, () => HubClient.connect(server.hubUrl)));
    for (const client of [reader, ...publishers]) assert.equal((await client.request('subscribe', { channel })).error, undefined);
    const fdsBefore = fdCount(server.pid);
    const cutsBefore = (await hubInfo(server)).stats.slowConsumerDisconnects ?? 0;

    for (let i = 0; i < STALLED; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, STALLED - i) }, () => stalledSubscriber(channel)));
    }
    const fdsStalled = fdCount(server.pid);
    assert.ok(fdsStalled >= fdsBefore + STALLED, `${fdsStalled} descriptors with ${STALLED} more sockets, ${fdsBefore} before`);

    const rss = new RssSampler(server.pid);
    let publishing = true;
    const offsets: number[] = [];
    const publishLoops = publishers.map(async (publisher, p) => {
      for (let seq = 0; publishing; seq++) {
        const reply = await publisher.request('publish', { channel, data: { p, seq, text: PAYLOAD } });
        if (reply.error?.code === RATE_LIMITED) {
          // The allowed rate (20/s after a burst of 40): wait for the next token.
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        assert.equal(reply.error, undefined, `publish: ${JSON.stringify(reply.error)}`);
        offsets.push(reply.result.offset);
      }
    });
    const publishingFailed = Promise.all(publishLoops).then(() => new Promise<never>(() => {}));

    try {
      const started = Date.now();
      let cuts = 0;
      await Promise.race([
        publishingFailed,
        waitFor(async () => {
          cuts = (await hubInfo(server)).stats.slowConsumerDisconnects! - cutsBefore;
          return cuts >= STALLED;
        }, `${STALLED} slow-consumer cuts (3002)`, 60_000, 200),
      ]);
      t.diagnostic(`${cuts} cut with 3002 ${Date.now() - started} ms after publishing began (${offsets.length} publications so far)`);
      const goneAfter = await Promise.race([
        publishingFailed,
        waitFor(() => fdCount(server.pid) <= fdsBefore + FD_SLACK, `the cut sockets' descriptors to be released (${fdsBefore} before the attack)`, GONE_DEADLINE_MS, 100).catch(
          (error: Error) => {
            throw new Error(`${error.message}: still ${fdCount(server.pid)} open`);
          },
        ),
      ]);
      t.diagnostic(
        `descriptors ${fdsBefore} before, ${fdsStalled} with the stalled sockets, back to ${fdCount(server.pid)} ${goneAfter} ms after the last cut`,
      );
    } finally {
      publishing = false;
      await Promise.allSettled(publishLoops);
      rss.stop();
    }
    t.diagnostic(rss.describe(`${offsets.length} publications of 60 KB to ${STALLED} stalled + ${PUBLISHERS + 1} reading subscribers`));
    assertAlive(server);
    assert.ok(rss.growth <= RSS_BOUND_MIB, `RSS grew by ${rss.growth.toFixed(1)} MiB (bound ${RSS_BOUND_MIB})`);

    // Every reader, the publishers included, got every publication once, in order, and is still connected.
    const expected = [...offsets].sort((a, b) => a - b);
    for (const client of [reader, ...publishers]) {
      await client.untilPushes((pushes) => pushes.filter((m) => typeof m.pub === 'string').length >= expected.length, `${expected.length} publications`);
      const got = client.pushes.filter((m) => typeof m.pub === 'string').map((m) => m.offset);
      assert.deepEqual(got, expected, 'a reading subscriber missed or repeated publications');
      assert.equal(client.closeCode, undefined, `a reading subscriber was closed with ${client.closeCode}`);
    }
    for (const client of [reader, ...publishers]) client.close();
    await assertServesWellBehavedClient(server);
  });
});
