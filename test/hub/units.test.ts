import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchesChannelPattern, parseChannelName } from '../../src/hub/channel-name.js';
import { ExpiryWheel } from '../../src/hub/expiry-wheel.js';
import { ChannelTable, type ChannelSubscription } from '../../src/hub/connection.js';
import { OutboundMessage } from '../../src/hub/session.js';
import { TokenBucket } from '../../src/hub/token-bucket.js';
import { isRecoverable } from '../../src/hub/recovery.js';
import { decodeCommand } from '../../src/hub/decode.js';
import { WireErrorCode as ErrorCode, ErrorName, DisconnectCode, isTemporary } from '../../src/wire/index.js';

describe('channel name grammar', () => {
  it('accepts names with and without namespace, private and user-limited', () => {
    assert.deepEqual(parseChannelName('news'), { channel: 'news', namespace: '', isPrivate: false, allowedUsers: undefined });
    assert.deepEqual(parseChannelName('chat:room-1'), { channel: 'chat:room-1', namespace: 'chat', isPrivate: false, allowedUsers: undefined });
    assert.deepEqual(parseChannelName('dm:#42'), { channel: 'dm:#42', namespace: 'dm', isPrivate: false, allowedUsers: ['42'] });
    assert.deepEqual(parseChannelName('dm:pair#42,43'), { channel: 'dm:pair#42,43', namespace: 'dm', isPrivate: false, allowedUsers: ['42', '43'] });
    assert.deepEqual(parseChannelName('$secret:plans'), { channel: '$secret:plans', namespace: 'secret', isPrivate: true, allowedUsers: undefined });
    assert.equal(parseChannelName('a:b:c')?.namespace, 'a');
    assert.equal(parseChannelName('prices/eur=usd@x.y')?.namespace, '');
  });

  it('rejects everything else', () => {
    for (const bad of ['', ' ', 'chat:', 'ch at', 'chat:#', '#', 'a#1,', 'a#,1', '$', 'x'.repeat(256), 'é', 'a\n', 42, null]) {
      assert.equal(parseChannelName(bad), undefined, JSON.stringify(bad));
    }
    assert.ok(parseChannelName('x'.repeat(255)));
  });

  it('matches token channel patterns with *', () => {
    assert.ok(matchesChannelPattern('news', 'news'));
    assert.ok(!matchesChannelPattern('news', 'news2'));
    assert.ok(matchesChannelPattern('chat:*', 'chat:room'));
    assert.ok(matchesChannelPattern('chat:*', 'chat:'));
    assert.ok(!matchesChannelPattern('chat:*', 'chatroom'));
    assert.ok(matchesChannelPattern('*', 'anything'));
    assert.ok(matchesChannelPattern('a*b*c', 'a-b-c'));
    assert.ok(!matchesChannelPattern('a*b*c', 'a-c'));
    assert.ok(!matchesChannelPattern('ab*ba', 'aba'));
    assert.ok(matchesChannelPattern('*:#42', 'dm:#42'));
  });
});

describe('OutboundMessage', () => {
  it('encodes once per transport and reuses the result', () => {
    const message = new OutboundMessage('{"a":1}');
    let calls = 0;
    const make = (text: string) => {
      calls += 1;
      return Buffer.from(text);
    };
    const first = message.encoded('websocket', make);
    assert.equal(message.encoded('websocket', make), first);
    assert.equal(calls, 1);
    message.encoded('sse', (t) => `data: ${t}\n\n`);
    assert.equal(message.encoded('sse', () => 'other'), 'data: {"a":1}\n\n');
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now);
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
    now += 500;
    assert.deepEqual([bucket.take(), bucket.take()], [true, false]);
    now += 10_000;
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
  });
});

describe('ExpiryWheel', () => {
  it('returns items once due, never early, and honours cancel and reschedule', () => {
    const wheel = new ExpiryWheel<string>(1000);
    wheel.schedule('a', 1500);
    wheel.schedule('b', 3000);
    wheel.schedule('c', 2000);
    wheel.cancel('c');
    assert.deepEqual(wheel.takeDue(1499), []);
    assert.deepEqual(wheel.takeDue(1999), []);
    assert.deepEqual(wheel.takeDue(2000), ['a']);
    wheel.schedule('b', 5000);
    assert.deepEqual(wheel.takeDue(4000), []);
    assert.deepEqual(wheel.takeDue(5000), ['b']);
    assert.equal(wheel.size, 0);
  });
});

describe('isRecoverable', () => {
  const stream = (offsets: number[], offset: number, epoch = 'e') => ({
    publications: offsets.map((o) => ({ offset: o, data: 'null' })),
    offset,
    epoch,
  });
  it('needs the same epoch and every missed offset', () => {
    assert.ok(isRecoverable({ offset: 3, epoch: 'e' }, stream([4, 5], 5)));
    assert.ok(isRecoverable({ offset: 5, epoch: 'e' }, stream([], 5)));
    assert.ok(!isRecoverable({ offset: 3, epoch: 'x' }, stream([4, 5], 5)));
    assert.ok(!isRecoverable({ offset: 2, epoch: 'e' }, stream([4, 5], 5)));
    assert.ok(!isRecoverable({ offset: 9, epoch: 'e' }, stream([], 5)));
    assert.ok(!isRecoverable({ offset: 0, epoch: 'e' }, stream([], 5)));
  });
});

describe('decodeCommand', () => {
  it('separates commands, error replies and fatal frames', () => {
    assert.deepEqual(decodeCommand('{"id":1,"method":"ping"}'), { kind: 'command', id: 1, method: 'ping', params: {} });
    assert.equal(decodeCommand('{').kind, 'fatal');
    assert.equal(decodeCommand('[1]').kind, 'fatal');
    assert.equal(decodeCommand('null').kind, 'fatal');
    assert.equal(decodeCommand('{"method":"ping"}').kind, 'fatal');
    assert.equal(decodeCommand('{"id":0,"method":"ping"}').kind, 'fatal');
    assert.equal(decodeCommand('{"id":1.5,"method":"ping"}').kind, 'fatal');
    const unknown = decodeCommand('{"id":2,"method":"fly"}');
    assert.ok(unknown.kind === 'error' && unknown.error.code === ErrorCode.unknownCommand);
    const badParams = decodeCommand('{"id":2,"method":"ping","params":[]}');
    assert.ok(badParams.kind === 'error' && badParams.error.code === ErrorCode.badRequest);
  });
});

describe('codes', () => {
  it('every error code has a unique name, and codes are unique', () => {
    const codes = Object.values(ErrorCode);
    assert.equal(new Set(codes).size, codes.length);
    const names = codes.map((c) => ErrorName[c]);
    assert.equal(new Set(names).size, names.length);
    for (const [key, code] of Object.entries(ErrorCode)) {
      assert.equal(ErrorName[code].replace(/_(.)/g, (_, c: string) => c.toUpperCase()), key);
    }
  });

  it('close codes tell whether to reconnect', () => {
    const codes = Object.values(DisconnectCode);
    assert.equal(new Set(codes).size, codes.length);
    assert.ok(isTemporary(DisconnectCode.shutdown));
    assert.ok(isTemporary(DisconnectCode.slowConsumer));
    assert.ok(isTemporary(DisconnectCode.connectTimeout));
    assert.ok(!isTemporary(DisconnectCode.unauthorized));
    assert.ok(!isTemporary(DisconnectCode.tokenExpired));
    assert.ok(!isTemporary(DisconnectCode.badRequest));
  });
});

describe('ChannelTable', () => {
  const sub = (channel: string) => ({ channel }) as ChannelSubscription;
  it('holds one subscription without a map, then many, in the order they were added', () => {
    const table = new ChannelTable();
    assert.equal(table.size, 0);
    assert.deepEqual([...table.keys()], []);
    const a = sub('a');
    table.set(a);
    assert.equal(table.get('a'), a);
    assert.equal(table.has('b'), false);
    assert.deepEqual([...table.values()], [a]);
    const b = sub('b');
    const c = sub('c');
    table.set(b);
    table.set(c);
    assert.equal(table.size, 3);
    assert.deepEqual([...table.keys()], ['a', 'b', 'c']);
    table.delete('b');
    assert.deepEqual([...table.values()], [a, c]);
    assert.equal(table.get('b'), undefined);
  });
  it('replaces and deletes its single subscription', () => {
    const table = new ChannelTable();
    table.set(sub('a'));
    const again = sub('a');
    table.set(again);
    assert.equal(table.size, 1);
    assert.equal(table.get('a'), again);
    table.delete('x');
    assert.equal(table.size, 1);
    table.delete('a');
    assert.equal(table.size, 0);
    assert.deepEqual([...table.values()], []);
  });
});

describe('OutboundMessage.encoded', () => {
  it('makes each transport\'s encoding once, the first and any others', () => {
    const message = new OutboundMessage('hi');
    let made = 0;
    const make = (text: string) => `${text}:${++made}`;
    assert.equal(message.encoded('websocket', make), 'hi:1');
    assert.equal(message.encoded('websocket', make), 'hi:1');
    assert.equal(message.encoded('sse', make), 'hi:2');
    assert.equal(message.encoded('sse', make), 'hi:2');
    assert.equal(message.encoded('websocket', make), 'hi:1');
    assert.equal(made, 2);
  });
});
