// Frame-level attacks from one socket: a message in endless tiny fragments, and pings from
// a peer that never reads its pongs. Against a real `volley serve` on its defaults.

import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, test, type TestContext } from 'node:test';
import { killAll } from '../cli/helpers.js';
import { assertServesWellBehavedClient } from './good-client.js';
import { FRAGMENT_FLOOD_CLOSE_CODES, RSS_BOUND_MIB } from './limits.js';
import { clientFrame, flood, Opcode, openRaw, repeated } from './raw-socket.js';
import { assertAlive, RssSampler, settlesWithin, startAbuseServer, type AbuseServer } from './server.js';

/** One fixed masking key, so a burst of identical frames is built once. */
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
/** Frames per write of a flood. */
const BURST = 8192;
/** Far more than any fragment limit needs, far less than what took the server down (46 MiB). */
const FLOOD_BUDGET_BYTES = 24 * 1024 * 1024;
const CLOSE_DEADLINE_MS = 15_000;

describe('frame floods against volley serve', () => {
  // A fresh server per attack: memory one attack left free would hide the next one's growth.
  let server: AbuseServer;
  beforeEach(async () => {
    server = await startAbuseServer();
  });
  afterEach(async () => {
    await server?.stop();
  });
  after(() => killAll());

  async function fragmentFlood(t: TestContext, path: string, protocol: string | undefined, continuation: Buffer) {
    const peer = await openRaw(server.port, path, protocol === undefined ? {} : { protocol });
    const rss = new RssSampler(server.pid);
    try {
      // A text message that never ends: FIN=0, then continuation frames with FIN=0.
      peer.socket.write(clientFrame(Opcode.text, 'x', false, MASK));
      const burst = repeated(clientFrame(Opcode.continuation, continuation, false, MASK), BURST);
      const [{ outcome, sent }] = await Promise.all([
        flood(peer, burst, {
          maxBytes: FLOOD_BUDGET_BYTES,
          stop: () => peer.reader.closeCode !== undefined || rss.growth > RSS_BOUND_MIB,
        }),
        assertServesWellBehavedClient(server),
      ]);
      rss.stop();
      const fragments = Math.floor(sent / (burst.length / BURST));
      t.diagnostic(rss.describe(`${path}: ${fragments} fragments of ${continuation.length} bytes (${(sent / 1048576).toFixed(1)} MiB) sent, ${outcome}`));
      assertAlive(server);
      assert.ok(rss.growth <= RSS_BOUND_MIB, `RSS grew by ${rss.growth.toFixed(1)} MiB (bound ${RSS_BOUND_MIB}) after ${fragments} fragments`);
      await settlesWithin(Promise.race([peer.reader.until(() => peer.reader.closeCode !== undefined), peer.gone]), CLOSE_DEADLINE_MS);
      assert.ok(
        peer.reader.closeCode !== undefined && FRAGMENT_FLOOD_CLOSE_CODES.includes(peer.reader.closeCode),
        `expected a close with ${FRAGMENT_FLOOD_CLOSE_CODES.join(' or ')} after ${fragments} fragments, got ${peer.reader.closeCode ?? 'no close frame'} (${outcome})`,
      );
      t.diagnostic(`closed with ${peer.reader.closeCode}`);
      await assertServesWellBehavedClient(server);
    } finally {
      rss.stop();
      peer.socket.destroy();
    }
  }

  test('empty continuation frames on /connection/websocket before connect are cut off', (t) =>
    fragmentFlood(t, '/connection/websocket', 'volley.v1', Buffer.alloc(0)));

  test('empty continuation frames on /echo are cut off', (t) => fragmentFlood(t, '/echo', undefined, Buffer.alloc(0)));

  test('1-byte continuation frames on /echo are cut off', (t) => fragmentFlood(t, '/echo', undefined, Buffer.from('y')));

  for (const [path, protocol] of [
    ['/echo', undefined],
    ['/connection/websocket', 'volley.v1'],
  ] as const) {
    test(`a ping flood on ${path} from a peer that never reads keeps the server's memory bounded`, async (t) => {
      const peer = await openRaw(server.port, path, protocol === undefined ? {} : { protocol });
      // Never read a byte of the answers: every pong the server queues stays in the server.
      peer.socket.pause();
      const rss = new RssSampler(server.pid);
      try {
        const burst = repeated(clientFrame(Opcode.ping, Buffer.alloc(0), true, MASK), BURST);
        const [{ outcome, sent }] = await Promise.all([
          flood(peer, burst, { maxBytes: FLOOD_BUDGET_BYTES, stop: () => rss.growth > RSS_BOUND_MIB, stallMs: 3_000 }),
          assertServesWellBehavedClient(server),
        ]);
        rss.stop();
        t.diagnostic(rss.describe(`${path}: ${Math.floor(sent / 6)} pings (${(sent / 1048576).toFixed(1)} MiB) sent, ${outcome}${peer.error() ? ` (${peer.error()!.message})` : ''}`));
        assertAlive(server);
        assert.ok(rss.growth <= RSS_BOUND_MIB, `RSS grew by ${rss.growth.toFixed(1)} MiB (bound ${RSS_BOUND_MIB}) after ${Math.floor(sent / 6)} unread pongs`);
        await assertServesWellBehavedClient(server);
      } finally {
        rss.stop();
        peer.socket.destroy();
      }
    });
  }
});
