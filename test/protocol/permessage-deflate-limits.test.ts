import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, deflateRawSync } from 'node:zlib';
import { ConcurrencyLimiter, PerMessageDeflate, sharedLimiter, type PerMessageDeflateOptions } from '../../src/protocol/permessage-deflate.js';
import { ProtocolError } from '../../src/protocol/errors.js';

const MiB = 1 << 20;

function pair(options: PerMessageDeflateOptions = {}, maxPayload = 0) {
  const server = new PerMessageDeflate('server', { threshold: 0, ...options }, maxPayload);
  const client = new PerMessageDeflate('client', { threshold: 0, ...options }, maxPayload);
  client.acceptResponse(server.accept([client.offer()])!);
  return { server, client };
}

/**
 * 1 GiB of zeros as one deflate stream of about 1 MiB: a full flush makes every 1 MiB chunk
 * compress to the same bytes, so one chunk's output repeated 1024 times is the whole bomb.
 */
function gigabyteBomb(): Buffer {
  const chunk = deflateRawSync(Buffer.alloc(MiB), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  return Buffer.concat(Array.from({ length: 1024 }, () => chunk));
}

const peakRss = () => process.resourceUsage().maxRSS * 1024; // maxRSS is in KiB

test('decompression bomb: 1 GiB of zeros is refused with 1009 while memory grows by far less', async (t) => {
  const bomb = gigabyteBomb();
  assert.ok(bomb.length < 2 * MiB, `bomb is ${bomb.length} bytes`);
  const maxPayload = 16 * MiB;
  const before = peakRss();

  // Once as a single frame, once in 64 KiB fragments as a receiver would pass them.
  for (const fragmentSize of [bomb.length, 64 * 1024]) {
    const { client } = pair({}, maxPayload);
    let error: unknown;
    for (let at = 0; at < bomb.length && error === undefined; at += fragmentSize) {
      const fin = at + fragmentSize >= bomb.length;
      error = await new Promise((resolve) => client.decompress(bomb.subarray(at, at + fragmentSize), fin, (err) => resolve(err ?? undefined)));
    }
    assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
    assert.equal(error.closeCode, 1009);
    assert.equal(error.code, 'WS_ERR_MESSAGE_TOO_BIG');
    assert.equal(client.zlibState.inflate, false);
  }

  // Inflating everything would need 1 GiB; the bound is maxPayload plus zlib's chunks.
  const growth = peakRss() - before;
  t.diagnostic(`peak RSS grew by ${(growth / MiB).toFixed(1)} MiB with maxPayload ${maxPayload / MiB} MiB`);
  assert.ok(growth < 128 * MiB, `peak RSS grew by ${(growth / MiB).toFixed(1)} MiB`);
});

test('1,000 connections compressing and decompressing at once all complete, in order, within the limit', async () => {
  const limiter = sharedLimiter(10);
  const connections = Array.from({ length: 1000 }, () => pair());
  const base = Buffer.from(JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ seq: i, body: 'lorem ipsum dolor sit amet' }))));
  let maxRunning = 0;
  let maxQueued = 0;
  let loopTurns = 0;
  let spinning = true;
  const spin = () => {
    loopTurns++;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);

  const observe = () => {
    maxRunning = Math.max(maxRunning, limiter.running);
    maxQueued = Math.max(maxQueued, limiter.queued);
  };
  const received: string[][] = connections.map(() => []);
  await Promise.all(connections.map(({ server, client }, n) => new Promise<void>((resolve, reject) => {
    let done = 0;
    for (let k = 0; k < 3; k++) {
      const message = Buffer.concat([base, Buffer.from(`conn ${n} msg ${k}`)]);
      // All compressions are queued at once; decompressions follow in the order they finish.
      server.compress(message, true, (err, out) => {
        observe();
        if (err) return reject(err);
        client.decompress(out!, true, (err2, plain) => {
          observe();
          if (err2) return reject(err2);
          received[n]!.push(plain!.subarray(base.length).toString());
          if (++done === 3) resolve();
        });
      });
    }
    observe();
  })));
  spinning = false;

  for (let n = 0; n < connections.length; n++) {
    assert.deepEqual(received[n], [`conn ${n} msg 0`, `conn ${n} msg 1`, `conn ${n} msg 2`]);
  }
  assert.ok(maxRunning <= 10, `running peaked at ${maxRunning}`);
  assert.ok(maxQueued > 100, `queue peaked at ${maxQueued}`);
  assert.equal(limiter.running, 0);
  assert.equal(limiter.queued, 0);
  assert.ok(loopTurns > 0, 'the event loop kept turning');
  for (const { server, client } of connections) {
    server.cleanup();
    client.cleanup();
  }
});

test('ConcurrencyLimiter: at most `limit` at once, waiters served first in, first out', () => {
  const limiter = new ConcurrencyLimiter(2);
  const started: number[] = [];
  const releases: Array<() => void> = [];
  for (let i = 0; i < 5; i++) limiter.acquire(() => { started.push(i); releases.push(() => limiter.release()); });
  assert.deepEqual(started, [0, 1]);
  assert.equal(limiter.queued, 3);
  releases.shift()!();
  assert.deepEqual(started, [0, 1, 2]);
  assert.equal(limiter.running, 2);
  while (releases.length) releases.shift()!();
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.equal(limiter.running, 0);
  assert.equal(limiter.queued, 0);
});

test('connections configured with the same limit share one process-wide limiter', () => {
  assert.equal(sharedLimiter(10), sharedLimiter(10));
  assert.notEqual(sharedLimiter(10), sharedLimiter(3));
});
