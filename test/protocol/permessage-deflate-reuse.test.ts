// One codec per connection carries many messages: the synchronous path for small whole
// messages without context takeover, the stream (reset and reused while messages queue, kept
// with takeover) for the rest, and clean recovery after a failed message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, deflateRawSync } from 'node:zlib';
import {
  SYNC_DEFLATE_MAX_INPUT, SYNC_INFLATE_MAX_OUTPUT,
} from '../../src/protocol/permessage-deflate.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { compress, decompress, pair } from './deflate-pair.js';

const noTakeover = { serverNoContextTakeover: true, clientNoContextTakeover: true };
const json = (i: number, n: number) => Buffer.from(JSON.stringify(Array.from({ length: n }, (_, k) => ({ id: i * 1000 + k, room: `room-${k % 7}`, text: `message ${(k * 7919) % 1000}` }))));
const isError = (closeCode: number) => (e: unknown) => e instanceof ProtocolError && e.closeCode === closeCode;

// Sizes on both sides of the synchronous bounds, in an order that mixes the two paths.
const sizes = [1, 60, 2, 300, 1, 800, 5, 3000, 60];

for (const [label, options] of [['with context takeover', {}], ['without context takeover', noTakeover]] as const) {
  test(`many messages of mixed sizes on one connection, ${label}, both ways, in order`, async () => {
    const { server, client } = pair(options, options);
    for (let round = 0; round < 3; round++) {
      for (const [i, n] of sizes.entries()) {
        const message = json(round * 100 + i, n);
        assert.deepEqual(await decompress(client, await compress(server, message)), message);
        assert.deepEqual(await decompress(server, await compress(client, message)), message);
      }
    }
    const held = options === noTakeover ? { deflate: false, inflate: false } : { deflate: true, inflate: true };
    assert.deepEqual(server.zlibState, held);
    assert.deepEqual(client.zlibState, held);
  });

  test(`many messages queued at once on one connection, ${label}: output in call order, each decodes`, async () => {
    const { server, client } = pair(options, options);
    const messages = Array.from({ length: 40 }, (_, i) => json(i, sizes[i % sizes.length]!));
    // All started before any finishes: large ones go to the pool, small ones must not overtake them.
    const order: number[] = [];
    const outs = await Promise.all(messages.map((m, i) => compress(server, m).then((out) => (order.push(i), out))));
    assert.deepEqual(order, messages.map((_, i) => i));
    for (const [i, out] of outs.entries()) assert.deepEqual(await decompress(client, out), messages[i]);
    if (options === noTakeover) assert.deepEqual(server.zlibState, { deflate: false, inflate: false }, 'released once idle');
  });
}

test('without takeover the synchronous path answers at once and holds no zlib state', () => {
  const { server, client } = pair(noTakeover, noTakeover);
  const message = json(1, 10);
  let compressed: Buffer | undefined;
  server.compress(message, true, (err, out) => {
    assert.equal(err, null);
    compressed = out;
  });
  assert.ok(compressed, 'called back synchronously');
  let inflated: Buffer | undefined;
  client.decompress(compressed, true, (err, out) => {
    assert.equal(err, null);
    inflated = out;
  });
  assert.deepEqual(inflated, message);
  // Not a view into zlib's 16 KiB output chunk.
  assert.ok(inflated!.buffer.byteLength < 2 * inflated!.length || inflated!.buffer.byteLength <= 8192);
  assert.deepEqual(server.zlibState, { deflate: false, inflate: false });
  assert.deepEqual(client.zlibState, { deflate: false, inflate: false });
  // The stream path produces the same bytes (no context either way).
  assert.ok(message.length <= SYNC_DEFLATE_MAX_INPUT);
});

test('without takeover: a fragmented message, then whole ones, then fragments again', async () => {
  const { server, client } = pair(noTakeover, noTakeover);
  const a = json(1, 200);
  const b = json(2, 3);
  const pa = await compress(server, a);
  const pb = await compress(server, b);
  for (let i = 0; i < 3; i++) {
    assert.equal(await decompress(client, pa.subarray(0, 20), false), undefined);
    assert.equal(client.zlibState.inflate, true, 'mid-message state is kept');
    assert.deepEqual(await decompress(client, pa.subarray(20)), a);
    assert.deepEqual(await decompress(client, pb), b);
    assert.deepEqual(await decompress(client, pb), b);
  }
});

test('without takeover: BFINAL inside a message (7.2.3.4) still decodes through the fallback', async () => {
  const { client } = pair(noTakeover, noTakeover);
  const hello = Buffer.from([0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00]);
  const plain = Buffer.from([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
  for (let i = 0; i < 3; i++) {
    assert.equal((await decompress(client, hello))?.toString(), 'Hello');
    assert.equal((await decompress(client, plain))?.toString(), 'Hello');
  }
});

test('without takeover: limits on the synchronous path (1009 at maxPayload, bombs retried on the pool, 1007)', async () => {
  const big = Buffer.alloc(100_000, 'a');
  const payload = deflateRawSync(big, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
  assert.ok(payload.length < 1024 && big.length > SYNC_INFLATE_MAX_OUTPUT);
  // maxPayload below the synchronous output bound: refused there.
  const small = pair(noTakeover, noTakeover, 50_000);
  await assert.rejects(decompress(small.server, payload), isError(1009));
  const exact = pair(noTakeover, noTakeover, 100_000);
  assert.equal((await decompress(exact.server, payload))!.length, 100_000, 'past the sync bound, done on the pool');
  await assert.rejects(decompress(pair(noTakeover, noTakeover, 99_999).server, payload), isError(1009));
  const limitSmall = Buffer.alloc(SYNC_INFLATE_MAX_OUTPUT - 1000, 'b');
  const p2 = deflateRawSync(limitSmall, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
  assert.equal((await decompress(pair(noTakeover, noTakeover, limitSmall.length).server, p2))!.length, limitSmall.length);
  await assert.rejects(decompress(pair(noTakeover, noTakeover, limitSmall.length - 1).server, p2), isError(1009));
  await assert.rejects(decompress(pair(noTakeover, noTakeover).server, Buffer.from([0xff, 0xff, 0xff])), isError(1007));
});

for (const [label, options] of [['with context takeover', {}], ['without context takeover', noTakeover]] as const) {
  test(`a failure mid-message resets cleanly, ${label}: the next message on the same codec decodes`, async () => {
    const sender = pair(options, options).server;
    const { client } = pair(options, options, 50_000);
    const ok = json(1, 20);
    // A message too big (1009) failing in its second fragment.
    const huge = await compress(pair(noTakeover, noTakeover).server, Buffer.alloc(200_000, 'z'));
    assert.equal(await decompress(client, huge.subarray(0, 10), false), undefined);
    await assert.rejects(decompress(client, huge.subarray(10)), isError(1009));
    assert.equal(client.zlibState.inflate, false);
    // Invalid data mid-message (1007).
    const good = await compress(pair(noTakeover, noTakeover).server, json(2, 100));
    assert.equal(await decompress(client, good.subarray(0, 30), false), undefined);
    await assert.rejects(decompress(client, Buffer.from([0xff, 0xff, 0xff, 0xff])), isError(1007));
    assert.equal(client.zlibState.inflate, false);
    // A fresh context: a message compressed by a fresh sender decodes.
    assert.deepEqual(await decompress(client, await compress(sender, ok)), ok);
  });
}
