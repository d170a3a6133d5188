import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, inflateRawSync } from 'node:zlib';
import {
  PerMessageDeflate, compressStateless, compressStatelessSync, statelessKey, type PerMessageDeflateOptions,
} from '../../src/protocol/permessage-deflate.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { compress, decompress, pair } from './deflate-pair.js';

const text = (b: Buffer | undefined) => b?.toString();
const bytes = (...b: number[]) => Buffer.from(b);

// A message that compresses well but not trivially (JSON-like, ~4 KiB).
const sample = Buffer.from(JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ id: i, channel: `room-${i % 7}`, text: `message number ${i * 7919 % 1000}` }))));

// RFC 7692 section 7.2.3: each vector decompressed by either role.
for (const role of ['server', 'client'] as const) {
  const receiver = () => (role === 'server' ? pair().server : pair().client);

  test(`${role} decompresses 7.2.3.1 "Hello", whole and in two fragments`, async () => {
    assert.equal(text(await decompress(receiver(), bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00))), 'Hello');
    const r = receiver();
    assert.equal(await decompress(r, bytes(0xf2, 0x48, 0xcd), false), undefined);
    assert.equal(text(await decompress(r, bytes(0xc9, 0xc9, 0x07, 0x00))), 'Hello');
  });

  test(`${role} decompresses 7.2.3.2: the second "Hello" refers to the first through the shared window`, async () => {
    const r = receiver();
    assert.equal(text(await decompress(r, bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00))), 'Hello');
    assert.equal(text(await decompress(r, bytes(0xf2, 0x00, 0x11, 0x00, 0x00))), 'Hello');
  });

  test(`${role} decompresses 7.2.3.3: a DEFLATE block with no compression`, async () => {
    assert.equal(text(await decompress(receiver(), bytes(0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00))), 'Hello');
  });

  test(`${role} decompresses 7.2.3.4: a block with BFINAL set, then keeps going`, async () => {
    const r = receiver();
    assert.equal(text(await decompress(r, bytes(0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00))), 'Hello');
    assert.equal(text(await decompress(r, bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00))), 'Hello');
    // The window survives the final block: "Hello" again as a back-reference.
    assert.equal(text(await decompress(r, bytes(0xf2, 0x00, 0x11, 0x00, 0x00))), 'Hello');
  });

  test(`${role} decompresses 7.2.3.5: two DEFLATE blocks in one message`, async () => {
    const payload = bytes(0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00);
    assert.equal(text(await decompress(receiver(), payload)), 'Hello');
  });

  test(`${role} decompresses 7.2.3.6: an empty message (0x00)`, async () => {
    const out = await decompress(receiver(), bytes(0x00));
    assert.equal(out?.length, 0);
  });

  test(`${role} compresses to the 7.2.3 vectors: "Hello", the shared window, the empty message`, async () => {
    const sender = receiver();
    assert.deepEqual(await compress(sender, Buffer.from('Hello')), bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00));
    assert.deepEqual(await compress(sender, Buffer.from('Hello')), bytes(0xf2, 0x00, 0x11, 0x00, 0x00));
    assert.deepEqual(await compress(receiver(), Buffer.alloc(0)), bytes(0x00));
  });
}

test('without context takeover every "Hello" compresses alike (7.2.3.1, never 7.2.3.2)', async () => {
  const { server, client } = pair({ serverNoContextTakeover: true }, { clientNoContextTakeover: true });
  for (const p of [server, client]) {
    assert.deepEqual(await compress(p, Buffer.from('Hello')), bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00));
    assert.deepEqual(await compress(p, Buffer.from('Hello')), bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00));
  }
});

test('without context takeover a back-reference to an earlier message is invalid → 1007', async () => {
  const { client } = pair({ serverNoContextTakeover: true });
  assert.equal(text(await decompress(client, bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00))), 'Hello');
  await assert.rejects(decompress(client, bytes(0xf2, 0x00, 0x11, 0x00, 0x00)), (e: unknown) => e instanceof ProtocolError && e.closeCode === 1007);
});

for (const [name, serverOptions, clientOptions] of [
  ['context takeover', {}, {}],
  ['no context takeover', { serverNoContextTakeover: true }, { clientNoContextTakeover: true }],
  ['window bits 8 both ways', { serverMaxWindowBits: 8, clientMaxWindowBits: 8 }, {}],
  ['window bits 10/9 and level 1, memLevel 4', { serverMaxWindowBits: 10, clientMaxWindowBits: 9, level: 1, memLevel: 4 }, { level: 1, memLevel: 4 }],
] as Array<[string, PerMessageDeflateOptions, PerMessageDeflateOptions]>) {
  test(`round trip both ways, 5 messages, ${name}`, async () => {
    const { server, client } = pair(serverOptions, clientOptions);
    for (let i = 0; i < 5; i++) {
      const message = Buffer.concat([sample, Buffer.from(` #${i}`)]);
      assert.deepEqual(await decompress(client, await compress(server, message)), message);
      assert.deepEqual(await decompress(server, await compress(client, message)), message);
    }
  });
}

test('an 8-bit window compresses with 9 yet never refers further back than 256 bytes', async () => {
  const { server } = pair({ serverMaxWindowBits: 8 });
  assert.equal(server.params.serverMaxWindowBits, 8);
  // Repeats 300 bytes apart: matchable with a 512-byte window, out of reach of a 256-byte one.
  const unit = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37 + (i >> 3)) & 0xff));
  const message = Buffer.concat([unit, unit, unit, sample]);
  const out = await compress(server, message);
  const inflated = inflateRawSync(Buffer.concat([out, bytes(0, 0, 0xff, 0xff)]), { windowBits: 8, finishFlush: constants.Z_SYNC_FLUSH });
  assert.deepEqual(inflated, message);
});

test('context takeover: the second identical message is far smaller; without it, the same size', async () => {
  const kept = pair().server;
  const first = await compress(kept, sample);
  const second = await compress(kept, sample);
  assert.ok(second.length * 4 < first.length, `${second.length} vs ${first.length}`);

  const reset = pair({ serverNoContextTakeover: true }).server;
  const a = await compress(reset, sample);
  const b = await compress(reset, sample);
  assert.deepEqual(a, b);
  assert.deepEqual(a, first);
});

test('a message decompressed across many fragments of uneven size', async () => {
  const { server, client } = pair();
  // ~100 KiB of text that compresses to tens of KiB.
  const message = Buffer.from(Array.from({ length: 8000 }, (_, i) => `w${(i * 2654435761) % 9973}`).join(' '));
  for (let round = 0; round < 2; round++) {
    const payload = await compress(server, message);
    assert.ok(payload.length > 10_000);
    const cuts = [0, 1, 2, 3, 100, 101, 5000, Math.floor(payload.length / 2), payload.length - 1, payload.length];
    for (let i = 0; i < cuts.length - 2; i++) assert.equal(await decompress(client, payload.subarray(cuts[i], cuts[i + 1]), false), undefined);
    assert.deepEqual(await decompress(client, payload.subarray(cuts[cuts.length - 2]), true), message);
  }
});

test('compress with fin=false leaves the tail; the parts concatenated decode as one message', async () => {
  const { server, client } = pair();
  const part1 = await compress(server, sample.subarray(0, 1000), false);
  const part2 = await compress(server, sample.subarray(1000), true);
  assert.deepEqual(part1.subarray(-4), bytes(0, 0, 0xff, 0xff));
  assert.deepEqual(await decompress(client, Buffer.concat([part1, part2])), sample);
});

test('zlib state is created lazily, kept with takeover, released without it', async () => {
  const kept = pair();
  assert.deepEqual(kept.server.zlibState, { deflate: false, inflate: false });
  await decompress(kept.client, await compress(kept.server, sample));
  assert.deepEqual(kept.server.zlibState, { deflate: true, inflate: false });
  assert.deepEqual(kept.client.zlibState, { deflate: false, inflate: true });
  kept.server.cleanup();
  kept.client.cleanup();
  assert.deepEqual(kept.server.zlibState, { deflate: false, inflate: false });
  assert.deepEqual(kept.client.zlibState, { deflate: false, inflate: false });

  const reset = pair({ serverNoContextTakeover: true, clientNoContextTakeover: true });
  await decompress(reset.client, await compress(reset.server, sample));
  await decompress(reset.server, await compress(reset.client, sample));
  assert.deepEqual(reset.server.zlibState, { deflate: false, inflate: false });
  assert.deepEqual(reset.client.zlibState, { deflate: false, inflate: false });
  // Mid-message the inflater must keep its state even without takeover.
  const payload = await compress(reset.server, sample);
  await decompress(reset.client, payload.subarray(0, 10), false);
  assert.equal(reset.client.zlibState.inflate, true);
  await decompress(reset.client, payload.subarray(10), true);
  assert.equal(reset.client.zlibState.inflate, false);
});

test('the threshold: messages smaller than it are not to be compressed (default 1024)', () => {
  const p = new PerMessageDeflate('server', {}, 0);
  assert.equal(p.shouldCompress(1023), false);
  assert.equal(p.shouldCompress(1024), true);
  const q = new PerMessageDeflate('server', { threshold: 0 }, 0);
  assert.equal(q.shouldCompress(0), true);
});

for (const [name, payload] of [
  ['garbage', bytes(0xff, 0xff, 0xff)],
  ['a reserved block type', bytes(0x07, 0x00)],
  ['data after a final block', Buffer.concat([bytes(0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), Buffer.from('leftover')])],
] as Array<[string, Buffer]>) {
  test(`invalid deflate data (${name}) → ProtocolError 1007 and the context is released`, async () => {
    const { client } = pair();
    await assert.rejects(decompress(client, payload), (e: unknown) => e instanceof ProtocolError && e.closeCode === 1007 && e.code === 'WS_ERR_DECOMPRESSION_FAILED');
    assert.equal(client.zlibState.inflate, false);
  });
}

test('maxPayload: exactly the limit passes, one byte more → 1009, counted across fragments', async () => {
  const message = Buffer.alloc(100_000, 'a');
  const payload = await compress(pair().server, message);
  assert.equal((await decompress(pair({}, {}, 100_000).server, payload))!.length, 100_000);

  await assert.rejects(decompress(pair({}, {}, 99_999).server, payload), (e: unknown) => e instanceof ProtocolError && e.closeCode === 1009 && e.code === 'WS_ERR_MESSAGE_TOO_BIG');

  // Two fragments each inflating to less than the limit, together to more.
  const twoParts = pair({}, {}, 99_999).server;
  const half = Math.floor(payload.length / 2);
  assert.equal(await decompress(twoParts, payload.subarray(0, half), false), undefined);
  await assert.rejects(decompress(twoParts, payload.subarray(half), true), (e: unknown) => e instanceof ProtocolError && e.closeCode === 1009);
  assert.equal(twoParts.zlibState.inflate, false);
});

test('cleanup: a compression in flight and queued ones call back with an error, decompressions never', async () => {
  const { server, client } = pair();
  const payload = await compress(pair().server, sample);
  const results: string[] = [];
  server.compress(sample, true, (err) => results.push(err ? 'error' : 'ok'));
  server.compress(sample, true, (err) => results.push(err ? 'error' : 'ok'));
  client.decompress(payload, true, () => results.push('decompress called back'));
  server.cleanup();
  client.cleanup();
  server.compress(sample, true, (err) => results.push(err ? 'error' : 'ok'));
  client.decompress(payload, true, () => results.push('decompress called back'));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(results, ['error', 'error', 'error']);
  assert.deepEqual(server.zlibState, { deflate: false, inflate: false });
});

test('compress once: a shared frame for every server connection without context takeover', async () => {
  const a = pair({ serverNoContextTakeover: true });
  const b = pair({ serverNoContextTakeover: true });
  const kept = pair();
  const message = { payload: sample, binary: false, compressedFrames: new Map<string, Buffer>() };
  const frameA = a.server.sharedCompressedFrame(message);
  assert.ok(frameA);
  assert.equal(b.server.sharedCompressedFrame(message), frameA); // the same buffer, compressed once
  assert.equal(message.compressedFrames.size, 1);
  assert.equal(kept.server.sharedCompressedFrame(message), null);
  assert.equal(a.client.sharedCompressedFrame(message), null); // client frames are masked
  assert.equal(frameA[0], 0xc1); // FIN + RSV1 + text
  const headerLength = frameA[1]! === 126 ? 4 : 2;
  assert.deepEqual(await decompress(a.client, frameA.subarray(headerLength)), sample);
  assert.equal(a.server.zlibState.deflate, false);
});

test('compressStateless, compressStatelessSync and a no-takeover connection produce the same bytes', async () => {
  const settings = { windowBits: 15 };
  const viaAsync = await new Promise<Buffer>((resolve, reject) => compressStateless(sample, settings, (err, out) => (err ? reject(err) : resolve(out!))));
  const viaSync = compressStatelessSync(sample, settings);
  const viaConnection = await compress(pair({ serverNoContextTakeover: true }).server, sample);
  assert.deepEqual(viaAsync, viaSync);
  assert.deepEqual(viaSync, viaConnection);
  assert.equal(statelessKey({ windowBits: 8 }), statelessKey({ windowBits: 9 }));
  assert.notEqual(statelessKey({ windowBits: 10 }), statelessKey({ windowBits: 11 }));
  assert.equal(pair({ serverNoContextTakeover: true }).server.sharedCompressionKey, statelessKey(settings));
  assert.equal(pair().server.sharedCompressionKey, null);
});

test('using a codec before negotiation is a programming error', () => {
  const p = new PerMessageDeflate('server', {}, 0);
  assert.throws(() => p.compress(sample, true, () => {}));
  assert.throws(() => p.decompress(sample, true, () => {}));
});
