// The mapping functions without a broker: topic matching with captures, payload decoding,
// outbound topics from channels and data (never a wildcard or an extra level).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchTopic, filtersOverlap } from '../../../src/bridges/mqtt/topics.js';
import { decodePayload } from '../../../src/bridges/mqtt/payload.js';
import { OutboundMapper } from '../../../src/bridges/mqtt/outbound.js';
import { InboundMapper } from '../../../src/bridges/mqtt/inbound.js';
import { resolveMqttBridgeOptions } from '../../../src/bridges/mqtt/options.js';
import { HubError } from '../../../src/hub/errors.js';

test('matchTopic: + captures a level, # the rest (possibly nothing), $ topics need a literal first level', () => {
  assert.deepEqual(matchTopic('sensors/+/temperature', 'sensors/k1/temperature'), ['k1']);
  assert.equal(matchTopic('sensors/+/temperature', 'sensors/k1/humidity'), undefined);
  assert.equal(matchTopic('sensors/+', 'sensors/k1/x'), undefined);
  assert.deepEqual(matchTopic('sensors/#', 'sensors/a/b/c'), ['a/b/c']);
  assert.deepEqual(matchTopic('sensors/#', 'sensors'), ['']);
  assert.deepEqual(matchTopic('+/+', '/x'), ['', 'x']);
  assert.equal(matchTopic('#', '$SYS/broker'), undefined);
  assert.deepEqual(matchTopic('$SYS/#', '$SYS/broker'), ['broker']);
  assert.equal(filtersOverlap('devices/+/set', 'devices/#'), true);
  assert.equal(filtersOverlap('devices/+/set', 'sensors/#'), false);
  assert.equal(filtersOverlap('a/b', 'a/b/c'), false);
});

test('decodePayload: JSON when it parses, else UTF-8 text, else base64; forced modes refuse what they cannot decode', () => {
  assert.deepEqual(decodePayload(Buffer.from('{"t":21.5}'), 'auto'), { format: 'json', payload: { t: 21.5 } });
  assert.deepEqual(decodePayload(Buffer.from('42'), 'auto'), { format: 'json', payload: 42 });
  assert.deepEqual(decodePayload(Buffer.from('on 你好'), 'auto'), { format: 'text', payload: 'on 你好' });
  assert.deepEqual(decodePayload(Buffer.from([0xff, 0x00, 0x01]), 'auto'), { format: 'base64', payload: '/wAB' });
  assert.deepEqual(decodePayload(Buffer.from('42'), 'text'), { format: 'text', payload: '42' });
  assert.equal(decodePayload(Buffer.from('on'), 'json'), undefined);
  assert.equal(decodePayload(Buffer.from([0xff]), 'text'), undefined);
  assert.deepEqual(decodePayload(Buffer.from('{}'), 'base64'), { format: 'base64', payload: 'e30=' });
});

test('inbound: the rule makes the channel from the captures; levels that break the channel grammar are refused', () => {
  const options = resolveMqttBridgeOptions({ url: 'mqtt://x', inbound: [{ topic: 's/+/t', channel: 'iot:{1}.t' }] });
  const mapper = new InboundMapper(options.inbound, 100);
  const message = (topic: string, payload: string) => ({ topic, payload: Buffer.from(payload), retain: false, subscriptionIds: [] });
  const rule = mapper.rulesFor(message('s/k1/t', '1'))[0]!;
  assert.deepEqual(mapper.map(rule, message('s/k1/t', '1'), 5), { ok: true, channel: 'iot:k1.t', data: { topic: 's/k1/t', format: 'json', payload: 1, receivedAt: 5 } });
  const spaced = mapper.map(rule, message('s/a b/t', '1'), 5);
  assert.equal(spaced.ok, false);
  assert.equal(!spaced.ok && spaced.reason, 'invalidChannel');
  const big = mapper.map(rule, message('s/k1/t', JSON.stringify('x'.repeat(200))), 5);
  assert.equal(!big.ok && big.reason, 'tooLarge');
  assert.deepEqual(mapper.rulesFor(message('s/k1/u', '1')), []);
});

test('outbound: topics from the channel and the data; wildcards, slashes, NUL or empty values are the publisher\'s error', () => {
  const options = resolveMqttBridgeOptions({
    url: 'mqtt://x',
    outbound: [
      { channel: 'cmd:*.set', topic: 'devices/{1}/set' },
      { channel: 'cmd:by-data', topic: 'devices/{data.device}/{data.kind}' },
      { channel: 'cmd:text', topic: 'devices/text', payload: 'text' },
    ],
  });
  const mapper = new OutboundMapper(options.outbound);
  const lamp = mapper.map('cmd:lamp.set', { on: true })!;
  assert.equal(lamp.topic, 'devices/lamp/set');
  assert.equal(lamp.payload.toString(), '{"on":true}');
  assert.equal(mapper.map('chat:x', {}), undefined);
  const badRequest = (channel: string, data: unknown, pattern: RegExp) =>
    assert.throws(() => mapper.map(channel, data), (error: unknown) => error instanceof HubError && error.errorName === 'bad_request' && pattern.test(error.message));
  badRequest('cmd:a/b.set', {}, /\{1\}.*"\/"/);
  for (const device of ['+', '#', 'a/b', 'a\u0000', '', null, undefined, { x: 1 }]) badRequest('cmd:by-data', { device, kind: 'k' }, /data\.device/);
  assert.equal(mapper.map('cmd:by-data', { device: 'd-1', kind: 7 })!.topic, 'devices/d-1/7');
  badRequest('cmd:text', { on: true }, /must be a string/);
  assert.equal(mapper.map('cmd:text', 'on 你好')!.payload.toString(), 'on 你好');
});
