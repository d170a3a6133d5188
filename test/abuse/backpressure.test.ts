// /echo against a client that sends 1 MiB messages and never reads the echoes: the server
// must stop taking its messages (or drop it) instead of queueing every echo.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll } from '../cli/helpers.js';
import { assertServesWellBehavedClient } from './good-client.js';
import { RSS_BOUND_MIB } from './limits.js';
import { clientFrame, flood, Opcode, openRaw } from './raw-socket.js';
import { assertAlive, RssSampler, settlesWithin, startAbuseServer, type AbuseServer } from './server.js';

const MESSAGE = clientFrame(Opcode.binary, Buffer.alloc(1024 * 1024, 0x61));
/** 1.5 GB took the server to 1.5 GB RSS in 6 s; a quarter of that shows the difference. */
const FLOOD_BUDGET_BYTES = 384 * 1024 * 1024;
/** How long the server may take to drop the peer once it stopped reading it. */
const DROP_DEADLINE_MS = 70_000;

describe('/echo backpressure against volley serve', () => {
  let server: AbuseServer;
  before(async () => {
    server = await startAbuseServer();
  });
  after(async () => {
    await server?.stop();
    killAll();
  });

  test('a peer that sends 1 MiB messages and never reads is held to bounded memory and dropped', async (t) => {
    const peer = await openRaw(server.port, '/echo');
    peer.socket.pause();
    const rss = new RssSampler(server.pid);
    try {
      const [{ outcome, sent }] = await Promise.all([
        flood(peer, MESSAGE, { maxBytes: FLOOD_BUDGET_BYTES, stop: () => rss.growth > RSS_BOUND_MIB, stallMs: 3_000 }),
        assertServesWellBehavedClient(server),
      ]);
      rss.stop();
      t.diagnostic(rss.describe(`${Math.round(sent / MESSAGE.length)} messages of 1 MiB sent, ${outcome}${peer.error() ? ` (${peer.error()!.message})` : ''}`));
      assertAlive(server);
      assert.ok(rss.growth <= RSS_BOUND_MIB, `RSS grew by ${rss.growth.toFixed(1)} MiB (bound ${RSS_BOUND_MIB}) after ${Math.round(sent / MESSAGE.length)} unread echoes`);
      assert.notEqual(outcome, 'budget', `the server took ${(sent / 1048576).toFixed(0)} MiB from a peer that never reads`);
      // Stalled: the server stopped reading us; it must still let go of the peer in the end.
      const started = Date.now();
      const dropped = await settlesWithin(peer.gone, DROP_DEADLINE_MS);
      t.diagnostic(`peer ${dropped ? `dropped ${Date.now() - started} ms after the flood ended` : 'still connected'}`);
      assert.ok(dropped, `the server still holds a peer that never reads ${DROP_DEADLINE_MS} ms after it stopped taking its data`);
      await assertServesWellBehavedClient(server);
    } finally {
      rss.stop();
      peer.socket.destroy();
    }
  });
});
