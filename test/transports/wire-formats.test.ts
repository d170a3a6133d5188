// The three wire formats byte for byte, and the session id.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pollFormat } from '../../src/transports/poll-format.js';
import { newNodeId } from '../../src/broker/cluster/node-link.js';
import { newSessionId, ownerOf } from '../../src/transports/session-id.js';
import { sseData, sseFormat } from '../../src/transports/sse-format.js';
import { streamFormat } from '../../src/transports/stream-format.js';

const text = (chunks: Array<string | Buffer>) => chunks.map(String).join('');

describe('wire formats', () => {
  it('SSE: open event, id + data per message, comment heartbeat, close event', () => {
    assert.equal(sseFormat.opened('n.s'), 'event: open\ndata: {"session":"n.s"}\n\n');
    assert.equal(text(sseFormat.message(7, sseFormat.encode('{"id":1}'))), 'id: 7\ndata: {"id":1}\n\n');
    assert.equal(sseFormat.heartbeat, ': \n\n');
    assert.equal(sseFormat.closed({ code: 3503, reason: 'bye' }), 'event: close\ndata: {"code":3503,"reason":"bye"}\n\n');
  });

  it('SSE: a text with line breaks takes one data line each (no event is split or injected)', () => {
    assert.equal(sseData('{"a":\n1}\r\n'), 'data: {"a":\ndata: 1}\ndata: \n');
    assert.equal(text(sseFormat.message(1, sseFormat.encode('{"a":\r1}'))), 'id: 1\ndata: {"a":\ndata: 1}\n\n');
  });

  it('NDJSON: one line per item, the volley.v1 text spliced in as JSON', () => {
    assert.equal(streamFormat.opened('n.s'), '{"open":{"session":"n.s"}}\n');
    const line = text(streamFormat.message(3, streamFormat.encode('{"pub":"c","data":[1,2]}')));
    assert.equal(line, '{"seq":3,"m":{"pub":"c","data":[1,2]}}\n');
    assert.deepEqual(JSON.parse(line), { seq: 3, m: { pub: 'c', data: [1, 2] } });
    assert.equal(text(streamFormat.message(4, streamFormat.encode('{"a":\n1}'))), '{"seq":4,"m":{"a": 1}}\n', 'a line break between tokens becomes a space');
    assert.equal(streamFormat.heartbeat, '\n');
    assert.equal(streamFormat.closed({ code: 1001, reason: 'server shutdown' }), '{"close":{"code":1001,"reason":"server shutdown"}}\n');
  });

  it('long-polling: one JSON answer, with the session on the first and the close on the last', () => {
    assert.equal(text(pollFormat.answer([], undefined, 'n.s')), '{"session":"n.s","messages":[]}');
    const messages = [{ seq: 1, encoded: pollFormat.encode('{"id":1}') }, { seq: 2, encoded: pollFormat.encode('{"id":2}') }];
    assert.equal(text(pollFormat.answer(messages, undefined, undefined)), '{"messages":[{"seq":1,"m":{"id":1}},{"seq":2,"m":{"id":2}}]}');
    assert.deepEqual(JSON.parse(text(pollFormat.answer(messages.slice(1), { code: 3002, reason: 'slow consumer' }, undefined))), {
      messages: [{ seq: 2, m: { id: 2 } }],
      close: { code: 3002, reason: 'slow consumer' },
    });
  });
});

describe('session ids', () => {
  it('name their node and hold 128 random bits', () => {
    const node = newNodeId();
    const a = newSessionId(node);
    const b = newSessionId(node);
    assert.notEqual(a, b);
    assert.equal(ownerOf(a), node);
    assert.match(a.split('.')[1]!, /^[A-Za-z0-9_-]{22}$/);
  });
  it('anything else is not a session id', () => {
    for (const bad of ['', 'x', 'node.short', 'no de.AAAAAAAAAAAAAAAAAAAAAA', 'a.b.c', '.AAAAAAAAAAAAAAAAAAAAAA', `n.${'A'.repeat(65)}`]) {
      assert.equal(ownerOf(bad), undefined, bad);
    }
  });
});
