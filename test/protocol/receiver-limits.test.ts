import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAX_FRAGMENTS } from '../../src/protocol/receiver.js';
import { frame, recordingReceiver } from './receiver-harness.js';

for (const role of ['server', 'client'] as const) {
  test(`${role}: one frame more than maxFragments fails with 1009 (empty fragments count too)`, () => {
    const { receiver, events } = recordingReceiver(role, 0, null, 4);
    receiver.push(frame(role, 0x1, 'a', { fin: false }));
    for (let i = 0; i < 3; i++) receiver.push(frame(role, 0x0, '', { fin: false }));
    assert.deepEqual(events, []);
    receiver.push(frame(role, 0x0, '', { fin: false }));
    assert.deepEqual(events, [{ type: 'error', code: 'WS_ERR_TOO_MANY_FRAGMENTS', closeCode: 1009 }]);
  });

  test(`${role}: a message of exactly maxFragments frames passes; control frames between them do not count`, () => {
    const { receiver, events } = recordingReceiver(role, 0, null, 3);
    receiver.push(frame(role, 0x1, 'a', { fin: false }));
    receiver.push(frame(role, 0x9, 'p'));
    receiver.push(frame(role, 0x0, '', { fin: false }));
    receiver.push(frame(role, 0x0, 'c'));
    assert.deepEqual(events.map((e) => e.type), ['ping', 'message']);
    assert.equal((events[1] as { data: Buffer }).data.toString(), 'ac');
  });

  test(`${role}: the default limit is ${DEFAULT_MAX_FRAGMENTS}`, () => {
    const { receiver, events } = recordingReceiver(role);
    receiver.push(frame(role, 0x2, 'a', { fin: false }));
    receiver.push(Buffer.concat(Array.from({ length: DEFAULT_MAX_FRAGMENTS - 1 }, () => frame(role, 0x0, '', { fin: false }))));
    assert.equal(events.length, 0);
    receiver.push(frame(role, 0x0, '', { fin: false }));
    assert.deepEqual(events, [{ type: 'error', code: 'WS_ERR_TOO_MANY_FRAGMENTS', closeCode: 1009 }]);
  });
}

test('a frame dribbled one byte per chunk is parsed intact (the chunk list is merged as it grows)', () => {
  const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
  const bytes = frame('server', 0x2, payload);
  const { receiver, events } = recordingReceiver('server');
  for (const b of bytes) receiver.push(Buffer.from([b]));
  assert.equal(events.length, 1);
  assert.ok(events[0]!.type === 'message' && events[0]!.data.equals(payload));
});
