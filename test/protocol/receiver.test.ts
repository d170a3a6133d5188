import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { feedAllWays, frame, recordingReceiver, type Event } from './receiver-harness.js';
import { ErrorCode } from '../../src/protocol/errors.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Asserts that every way of chunking the bytes gives the expected events. */
function expectEvents(role: 'server' | 'client', bytes: Buffer, expected: Event[], maxPayload = 0) {
  for (const events of feedAllWays(role, bytes, maxPayload)) assert.deepEqual(events, expected);
}
const msg = (data: string | Buffer, binary = false): Event => ({ type: 'message', data: Buffer.from(data), binary });
const err = (code: string, closeCode: number): Event => ({ type: 'error', code, closeCode });

describe('RFC 6455 section 5.7 examples', () => {
  test('a single-frame unmasked text message (server to client)', () => {
    expectEvents('client', hex('81 05 48 65 6c 6c 6f'), [msg('Hello')]);
  });
  test('a single-frame masked text message (client to server)', () => {
    expectEvents('server', hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), [msg('Hello')]);
  });
  test('a fragmented unmasked text message', () => {
    expectEvents('client', hex('01 03 48 65 6c 80 02 6c 6f'), [msg('Hello')]);
  });
  test('unmasked ping and masked pong', () => {
    expectEvents('client', hex('89 05 48 65 6c 6c 6f'), [{ type: 'ping', data: Buffer.from('Hello') }]);
    expectEvents('server', hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'), [{ type: 'pong', data: Buffer.from('Hello') }]);
  });
  test('256 bytes binary in a single unmasked frame (16-bit length)', () => {
    const payload = Buffer.alloc(256, 0xab);
    expectEvents('client', Buffer.concat([hex('82 7e 01 00'), payload]), [msg(payload, true)]);
  });
  test('64 KiB binary in a single unmasked frame (64-bit length)', () => {
    const payload = Buffer.alloc(65536, 0x5a);
    const [whole] = feedAllWays('client', Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), payload]));
    assert.deepEqual(whole, [msg(payload, true)]);
  });
});

describe('lengths at every boundary, both roles', () => {
  for (const role of ['server', 'client'] as const) {
    for (const size of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
      test(`${role}: ${size} bytes`, () => {
        const payload = Buffer.alloc(size, size & 0xff);
        const { receiver, events } = recordingReceiver(role);
        receiver.push(frame(role, 2, payload));
        assert.deepEqual(events, [msg(payload, true)]);
      });
    }
  }
});

describe('framing rules → 1002', () => {
  for (const role of ['server', 'client'] as const) {
    test(`${role}: RSV1/RSV2/RSV3 without a negotiated extension`, () => {
      for (const rsv of [0x40, 0x20, 0x10]) {
        expectEvents(role, frame(role, 1, 'x', { rsv }), [err(ErrorCode.UnexpectedRsv, 1002)]);
      }
    });
    test(`${role}: reserved opcodes 3-7 and 0xB-0xF`, () => {
      for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
        expectEvents(role, frame(role, op, 'x'), [err(ErrorCode.InvalidOpcode, 1002)]);
      }
    });
    test(`${role}: control frame over 125 bytes`, () => {
      expectEvents(role, frame(role, 9, Buffer.alloc(126)), [err(ErrorCode.ControlTooLong, 1002)]);
    });
    test(`${role}: fragmented control frame`, () => {
      expectEvents(role, frame(role, 9, 'x', { fin: false }), [err(ErrorCode.FragmentedControl, 1002)]);
    });
    test(`${role}: continuation with no message started`, () => {
      expectEvents(role, frame(role, 0, 'x'), [err(ErrorCode.UnexpectedContinuation, 1002)]);
    });
    test(`${role}: new data frame inside a fragmented message`, () => {
      const bytes = Buffer.concat([frame(role, 1, 'a', { fin: false }), frame(role, 2, 'b')]);
      expectEvents(role, bytes, [err(ErrorCode.ExpectedContinuation, 1002)]);
    });
    test(`${role}: control frames interleaved in a fragmented message`, () => {
      const bytes = Buffer.concat([
        frame(role, 1, 'Hel', { fin: false }),
        frame(role, 9, 'p1'),
        frame(role, 0, 'l', { fin: false }),
        frame(role, 10, 'p2'),
        frame(role, 0, 'o'),
      ]);
      expectEvents(role, bytes, [
        { type: 'ping', data: Buffer.from('p1') },
        { type: 'pong', data: Buffer.from('p2') },
        msg('Hello'),
      ]);
    });
    test(`${role}: 64-bit length with the most significant bit set`, () => {
      const bytes = Buffer.concat([Buffer.from([0x82, 0x7f | (role === 'server' ? 0x80 : 0), 0x80, 0, 0, 0, 0, 0, 0, 1]), Buffer.alloc(4)]);
      expectEvents(role, bytes, [err(ErrorCode.InvalidLength, 1002)]);
    });
  }
  test('server: an unmasked client frame', () => {
    expectEvents('server', frame('client', 1, 'hi'), [err(ErrorCode.ExpectedMask, 1002)]);
  });
  test('client: a masked server frame', () => {
    expectEvents('client', frame('server', 1, 'hi'), [err(ErrorCode.UnexpectedMask, 1002)]);
  });
  test('nothing after an error is parsed', () => {
    const { receiver, events } = recordingReceiver('client');
    receiver.push(Buffer.concat([frame('client', 3, 'x'), frame('client', 1, 'after')]));
    receiver.push(frame('client', 1, 'later'));
    assert.deepEqual(events, [err(ErrorCode.InvalidOpcode, 1002)]);
  });
});

describe('UTF-8 → 1007', () => {
  for (const role of ['server', 'client'] as const) {
    test(`${role}: Chinese and emoji pass, whole and fragmented at every byte`, () => {
      const text = '你好，世界 🌏 WebSocket ✓';
      const bytes = Buffer.from(text);
      expectEvents(role, frame(role, 1, bytes), [msg(text)]);
      for (let cut = 1; cut < bytes.length; cut++) {
        const fragmented = Buffer.concat([frame(role, 1, bytes.subarray(0, cut), { fin: false }), frame(role, 0, bytes.subarray(cut))]);
        expectEvents(role, fragmented, [msg(text)]);
      }
    });
    test(`${role}: invalid text in one frame`, () => {
      for (const bad of ['ff', 'c0 af', 'ed a0 80', 'f4 90 80 80', 'e2 82', 'ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64']) {
        expectEvents(role, frame(role, 1, hex(bad)), [err(ErrorCode.InvalidUtf8, 1007)]);
      }
    });
    test(`${role}: fails fast inside a fragmented message, before the final fragment`, () => {
      const { receiver, events } = recordingReceiver(role);
      receiver.push(frame(role, 1, Buffer.from('ok'), { fin: false }));
      receiver.push(frame(role, 0, hex('f4 90'), { fin: false })); // can never become valid
      assert.deepEqual(events, [err(ErrorCode.InvalidUtf8, 1007)]);
    });
    test(`${role}: a message ending inside a sequence`, () => {
      const bytes = Buffer.concat([frame(role, 1, hex('e4 bd'), { fin: false }), frame(role, 0, Buffer.alloc(0))]);
      expectEvents(role, bytes, [err(ErrorCode.InvalidUtf8, 1007)]);
    });
    test(`${role}: one invalid byte anywhere in an otherwise ASCII text (the words of an unmasked chunk) still fails`, () => {
      // Small masked payloads are checked while unmasked (ASCII skips the full check): a bad
      // byte in the leading bytes, the aligned words or the tail must still be caught, and an
      // ASCII frame before a large one (assembled elsewhere) must not vouch for it.
      for (const length of [1, 7, 8, 9, 64, 300]) {
        for (let at = 0; at < length; at++) {
          const bytes = Buffer.alloc(length, 0x61);
          bytes[at] = 0xff;
          expectEvents(role, frame(role, 1, bytes), [err(ErrorCode.InvalidUtf8, 1007)]);
          const { receiver, events } = recordingReceiver(role);
          receiver.push(Buffer.concat([frame(role, 1, 'ascii before'), frame(role, 1, bytes)]));
          assert.deepEqual(events, [msg('ascii before'), err(ErrorCode.InvalidUtf8, 1007)]);
        }
      }
      const large = Buffer.alloc(70_000, 0x61);
      large[69_999] = 0xff;
      const { receiver, events } = recordingReceiver(role);
      const bytes = Buffer.concat([frame(role, 1, 'ascii'), frame(role, 1, large)]);
      for (let i = 0; i < bytes.length; i += 20_000) receiver.push(bytes.subarray(i, i + 20_000));
      assert.deepEqual(events, [msg('ascii'), err(ErrorCode.InvalidUtf8, 1007)]);
    });
    test(`${role}: binary messages are not validated`, () => {
      expectEvents(role, frame(role, 2, hex('ff fe')), [msg(hex('ff fe'), true)]);
    });
  }
});

describe('maxPayload → 1009', () => {
  for (const role of ['server', 'client'] as const) {
    test(`${role}: one frame over the limit fails before its payload arrives`, () => {
      const { receiver, events } = recordingReceiver(role, 100);
      const bytes = frame(role, 2, Buffer.alloc(101));
      receiver.push(bytes.subarray(0, 8)); // header only
      assert.deepEqual(events, [err(ErrorCode.MessageTooBig, 1009)]);
    });
    test(`${role}: the limit applies to the whole fragmented message`, () => {
      const bytes = Buffer.concat([frame(role, 2, Buffer.alloc(60), { fin: false }), frame(role, 0, Buffer.alloc(41))]);
      expectEvents(role, bytes, [err(ErrorCode.MessageTooBig, 1009)], 100);
      const ok = Buffer.concat([frame(role, 2, Buffer.alloc(60), { fin: false }), frame(role, 0, Buffer.alloc(40))]);
      expectEvents(role, ok, [msg(Buffer.alloc(100), true)], 100);
    });
  }
});

describe('close frames', () => {
  const closeFrame = (role: 'server' | 'client', code: number | null, reason: Buffer = Buffer.alloc(0)) => {
    const payload = code === null ? reason : Buffer.concat([Buffer.from([code >> 8, code & 0xff]), reason]);
    return frame(role, 8, payload);
  };
  for (const role of ['server', 'client'] as const) {
    test(`${role}: valid codes are accepted with their reason`, () => {
      for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]) {
        expectEvents(role, closeFrame(role, code, Buffer.from('再见')), [{ type: 'close', code, reason: '再见' }]);
      }
    });
    test(`${role}: invalid codes → 1002`, () => {
      for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
        expectEvents(role, closeFrame(role, code), [err(ErrorCode.InvalidCloseCode, 1002)]);
      }
    });
    test(`${role}: an empty close payload reports 1005`, () => {
      expectEvents(role, closeFrame(role, null), [{ type: 'close', code: 1005, reason: '' }]);
    });
    test(`${role}: a 1-byte close payload → 1002`, () => {
      expectEvents(role, closeFrame(role, null, Buffer.from([3])), [err(ErrorCode.InvalidClosePayload, 1002)]);
    });
    test(`${role}: a reason that is not UTF-8 → 1007`, () => {
      expectEvents(role, closeFrame(role, 1000, hex('ff')), [err(ErrorCode.InvalidUtf8, 1007)]);
    });
    test(`${role}: nothing after a close frame is delivered`, () => {
      expectEvents(role, Buffer.concat([closeFrame(role, 1000), frame(role, 1, 'late')]), [{ type: 'close', code: 1000, reason: '' }]);
    });
  }
});

describe('compressed messages with an inflater', () => {
  test('RSV1 is accepted only on the first frame of a data message', () => {
    const inflater = { decompress: (data: Buffer, fin: boolean, cb: (e: null, out?: Buffer) => void) => cb(null, fin ? Buffer.from(`inflated:${data}`) : undefined) };
    const ok = recordingReceiver('client', 0, inflater);
    ok.receiver.push(frame('client', 1, 'abc', { rsv1: true }));
    assert.deepEqual(ok.events, [msg('inflated:abc')]);
    for (const bad of [frame('client', 9, 'x', { rsv1: true }), Buffer.concat([frame('client', 1, 'a', { fin: false, rsv1: true }), frame('client', 0, 'b', { rsv1: true })])]) {
      const r = recordingReceiver('client', 0, inflater);
      r.receiver.push(bad);
      assert.deepEqual(r.events, [err(ErrorCode.UnexpectedRsv, 1002)]);
    }
  });
  test('parsing waits for an asynchronous inflater and keeps order', async () => {
    const inflater = { decompress: (data: Buffer, fin: boolean, cb: (e: null, out?: Buffer) => void) => setImmediate(() => cb(null, fin ? Buffer.from(data) : undefined)) };
    const { receiver, events } = recordingReceiver('client', 0, inflater);
    const more = receiver.push(Buffer.concat([frame('client', 1, 'one', { rsv1: true }), frame('client', 1, 'two'), frame('client', 9, 'p')]));
    assert.equal(more, false);
    assert.deepEqual(events, []);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(events, [msg('one'), msg('two'), { type: 'ping', data: Buffer.from('p') }]);
  });
});
