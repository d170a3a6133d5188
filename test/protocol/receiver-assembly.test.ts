// The receiver's two copy paths: a payload straddling reads is copied and unmasked piece by
// piece, and a large payload (64 KiB and more) is assembled into one buffer as it arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frame, recordingReceiver } from './receiver-harness.js';

// Every push is a copy: the receiver unmasks in place, as it may with the socket's chunks.

function payloadOf(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x >>> 16;
  }
  return out;
}

const KEYS = [Buffer.from([0, 0, 0, 0]), Buffer.from([0x37, 0xfa, 0x21, 0x3d]), Buffer.from([0xff, 0x80, 0x01, 0xfe])];

test('a 16 KiB frame split in two at every byte boundary, followed by a ping, with several keys', () => {
  const payload = payloadOf(16 * 1024 + 3, 1);
  for (const maskKey of KEYS) {
    const bytes = Buffer.concat([frame('server', 2, payload, { maskKey }), frame('server', 9, 'p', { maskKey })]);
    for (let cut = 1; cut < bytes.length; cut += cut < 40 || bytes.length - cut < 40 ? 1 : 61) {
      const { receiver, events } = recordingReceiver('server');
      receiver.push(Buffer.from(bytes.subarray(0, cut)));
      receiver.push(Buffer.from(bytes.subarray(cut)));
      assert.equal(events.length, 2, `cut ${cut}`);
      assert.deepEqual(events[0], { type: 'message', data: payload, binary: true }, `cut ${cut}`);
      assert.deepEqual(events[1], { type: 'ping', data: Buffer.from('p') });
    }
  }
});

test('a small frame split at every byte boundary into three reads, in both roles', () => {
  const payload = payloadOf(300, 2);
  for (const role of ['server', 'client'] as const) {
    const bytes = frame(role, 2, payload, role === 'server' ? { maskKey: KEYS[1] } : {});
    for (let a = 1; a < bytes.length; a++) {
      for (const b of [a + 1, a + 5, bytes.length - 1]) {
        if (b <= a || b >= bytes.length) continue;
        const { receiver, events } = recordingReceiver(role);
        receiver.push(Buffer.from(bytes.subarray(0, a)));
        receiver.push(Buffer.from(bytes.subarray(a, b)));
        receiver.push(Buffer.from(bytes.subarray(b)));
        assert.deepEqual(events, [{ type: 'message', data: payload, binary: true }], `${role} cuts ${a} ${b}`);
      }
    }
  }
});

test('large frames (64 KiB to 1 MiB) assembled from reads of many sizes, masked and not, with frames around them', () => {
  for (const length of [64 * 1024, 64 * 1024 + 1, 200_003, 1024 * 1024]) {
    const payload = payloadOf(length, length);
    for (const role of ['server', 'client'] as const) {
      for (const maskKey of role === 'server' ? KEYS : [undefined]) {
        const opts = maskKey ? { maskKey } : {};
        const bytes = Buffer.concat([frame(role, 1, 'before', opts), frame(role, 2, payload, opts), frame(role, 1, 'after', opts)]);
        for (const step of [1_000, 4_093, 16_384, 65_536, 65_539, bytes.length]) {
          const { receiver, events } = recordingReceiver(role);
          for (let at = 0; at < bytes.length; at += step) receiver.push(Buffer.from(bytes.subarray(at, at + step)));
          assert.equal(events.length, 3, `${role} ${length} by ${step}`);
          assert.equal(events[0]!.type === 'message' && events[0]!.data.toString(), 'before');
          assert.ok(events[1]!.type === 'message' && events[1]!.data.equals(payload), `${role} ${length} by ${step}`);
          assert.equal(events[2]!.type === 'message' && events[2]!.data.toString(), 'after');
        }
      }
    }
  }
});

test('an assembled payload split at every byte boundary around the points where assembly starts', () => {
  const payload = payloadOf(100_000, 3);
  const bytes = Buffer.concat([frame('server', 2, payload, { maskKey: KEYS[2] }), frame('server', 1, 'next', { maskKey: KEYS[2] })]);
  const header = bytes.length - payload.length - 10; // 14-byte header: 10 + 4-byte key
  const quarter = header + Math.ceil(payload.length / 4);
  const cuts: number[] = [];
  for (let c = 1; c < 40; c++) cuts.push(c);
  for (let c = quarter - 10; c < quarter + 10; c++) cuts.push(c);
  for (let c = bytes.length - 40; c < bytes.length; c++) cuts.push(c);
  for (const first of cuts) {
    for (const second of [first + 1, first + 3, Math.max(first + 1, quarter), bytes.length - 2]) {
      if (second <= first || second >= bytes.length) continue;
      const { receiver, events } = recordingReceiver('server');
      receiver.push(Buffer.from(bytes.subarray(0, first)));
      receiver.push(Buffer.from(bytes.subarray(first, second)));
      receiver.push(Buffer.from(bytes.subarray(second)));
      assert.equal(events.length, 2, `cuts ${first} ${second}`);
      assert.ok(events[0]!.type === 'message' && events[0]!.data.equals(payload), `cuts ${first} ${second}`);
      assert.ok(events[1]!.type === 'message' && events[1]!.data.toString() === 'next');
    }
  }
});

test('fragments of a large message, each assembled, with a ping between them', () => {
  const payload = payloadOf(300_000, 4);
  const parts = [payload.subarray(0, 70_000), payload.subarray(70_000, 140_001), payload.subarray(140_001)];
  const bytes = Buffer.concat([
    frame('server', 2, parts[0]!, { fin: false, maskKey: KEYS[1] }),
    frame('server', 9, 'mid', { maskKey: KEYS[1] }),
    frame('server', 0, parts[1]!, { fin: false, maskKey: KEYS[2] }),
    frame('server', 0, parts[2]!, { maskKey: KEYS[1] }),
  ]);
  for (const step of [7_777, 65_536]) {
    const { receiver, events } = recordingReceiver('server');
    for (let at = 0; at < bytes.length; at += step) receiver.push(Buffer.from(bytes.subarray(at, at + step)));
    assert.equal(events.length, 2);
    assert.deepEqual(events[0], { type: 'ping', data: Buffer.from('mid') });
    assert.ok(events[1]!.type === 'message' && events[1]!.data.equals(payload));
  }
});

test('a large frame announced but barely sent allocates nothing for it; maxPayload is checked first', () => {
  const payload = payloadOf(1024 * 1024, 5);
  const bytes = frame('server', 2, payload, { maskKey: KEYS[1] });
  const { receiver, events } = recordingReceiver('server');
  receiver.push(Buffer.from(bytes.subarray(0, 100_000))); // under a quarter of the payload
  assert.equal((receiver as unknown as { partial: Buffer | null }).partial, null);
  receiver.push(Buffer.from(bytes.subarray(100_000, 300_000))); // over a quarter: assembly starts
  assert.equal((receiver as unknown as { partial: Buffer | null }).partial?.length, payload.length);
  receiver.push(Buffer.from(bytes.subarray(300_000)));
  assert.ok(events[0]!.type === 'message' && events[0]!.data.equals(payload));
  assert.equal((receiver as unknown as { partial: Buffer | null }).partial, null);

  const limited = recordingReceiver('server', 512 * 1024);
  limited.receiver.push(Buffer.from(bytes.subarray(0, 400_000)));
  assert.deepEqual(limited.events, [{ type: 'error', code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 }]);
  assert.equal((limited.receiver as unknown as { partial: Buffer | null }).partial, null);
});

test('stop() during assembly drops the partial payload and nothing more is emitted', () => {
  const payload = payloadOf(200_000, 6);
  const bytes = frame('server', 2, payload, { maskKey: KEYS[1] });
  const { receiver, events } = recordingReceiver('server');
  receiver.push(Buffer.from(bytes.subarray(0, 100_000)));
  receiver.stop();
  assert.equal((receiver as unknown as { partial: Buffer | null }).partial, null);
  receiver.push(Buffer.from(bytes.subarray(100_000)));
  assert.deepEqual(events, []);
});
