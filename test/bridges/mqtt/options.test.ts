// The bridge's config: defaults, and every bad filter, template or pattern named by its rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MqttConfigError, resolveMqttBridgeOptions } from '../../../src/bridges/mqtt/options.js';

const URL = 'mqtt://127.0.0.1:1883';

function refused(options: unknown): string {
  try {
    resolveMqttBridgeOptions(options);
  } catch (error) {
    assert.ok(error instanceof MqttConfigError, String(error));
    return error.message;
  }
  assert.fail('the options were accepted');
}

test('defaults: MQTT 5, persistent session, QoS 1, auto payloads, no retry at start', () => {
  const options = resolveMqttBridgeOptions({ url: URL, inbound: [{ topic: 'a/+', channel: 'iot:{1}' }] });
  assert.equal(options.protocolVersion, 5);
  assert.equal(options.session, 'persistent');
  assert.equal(options.sessionExpirySeconds, 86_400);
  assert.equal(options.bridgeId, 'volley');
  assert.match(options.clientId, /^volley-/);
  assert.equal(options.retryAtStart, false);
  assert.equal(options.connectTimeoutMs, 10_000);
  assert.equal(options.reconnectDelayMs, 500);
  assert.equal(options.maxReconnectDelayMs, 30_000);
  assert.equal(options.receiveMaximum, 100);
  assert.equal(options.publishTimeoutMs, 5_000);
  assert.deepEqual(options.inbound, [{ topic: 'a/+', channel: 'iot:{1}', qos: 1, payload: 'auto' }]);
  assert.deepEqual(options.outbound, []);
});

test('topic filters: wildcards must be whole levels, # last, no NUL, no $share (sharedGroup does that)', () => {
  const bad = ['a/#/b', 'a/b#', 'a/+b', '', 'a/\u0000', '$share/g/a'];
  for (const [i, topic] of bad.entries()) {
    const message = refused({ url: URL, inbound: [{ topic: 'ok/+', channel: 'iot:{1}' }, { topic, channel: 'iot:x' }] });
    assert.match(message, /^mqtt\.inbound\[1\]\.topic: topic filter /, `case ${i}: ${message}`);
  }
  for (const topic of ['#', '+', 'a/+/b/#', '+/+', 'a//b']) resolveMqttBridgeOptions({ url: URL, inbound: [{ topic, channel: 'iot:x' }] });
});

test('channel templates: placeholders within the wildcards, a valid channel name', () => {
  assert.match(refused({ url: URL, inbound: [{ topic: 'a/+', channel: 'iot:{2}' }] }), /inbound\[0\]\.channel: .*uses \{2\} but the topic filter has 1 wildcard/);
  assert.match(refused({ url: URL, inbound: [{ topic: 'a/+', channel: 'iot:{x}' }] }), /inbound\[0\]\.channel: .*placeholder \{x\}/);
  assert.match(refused({ url: URL, inbound: [{ topic: 'a/+', channel: 'iot:a b{1}' }] }), /inbound\[0\]\.channel: .*not form a valid channel name/);
  assert.match(refused({ url: URL, inbound: [{ topic: 'a/+', channel: 'iot:{1' }] }), /inbound\[0\]\.channel: .*unmatched/);
});

test('outbound: channel patterns and topic templates, data placeholders, no wildcards or $ in topics', () => {
  const ok = resolveMqttBridgeOptions({ url: URL, outbound: [{ channel: 'cmd:*.set', topic: 'devices/{1}/set' }, { channel: 'cmd:all', topic: 'devices/{data.id}/set' }] });
  assert.deepEqual(ok.outbound[0], { channel: 'cmd:*.set', topic: 'devices/{1}/set', qos: 1, retain: false, payload: 'json' });
  assert.match(refused({ url: URL, outbound: [{ channel: 'cmd:x', topic: 'devices/{1}/set' }] }), /outbound\[0\]\.topic: .*uses \{1\} but the channel pattern has 0/);
  assert.match(refused({ url: URL, outbound: [{ channel: 'cmd:x', topic: 'devices/+/set' }] }), /outbound\[0\]\.topic: .*"\+", "#" or NUL/);
  assert.match(refused({ url: URL, outbound: [{ channel: 'cmd:x', topic: '$SYS/x' }] }), /outbound\[0\]\.topic: .*"\$"/);
  assert.match(refused({ url: URL, outbound: [{ channel: 'cmd:x', topic: 'a//b' }] }), /outbound\[0\]\.topic: .*empty level/);
  assert.match(refused({ url: URL, outbound: [{ channel: 'cmd:x', topic: 'a/{data}' }] }), /outbound\[0\]\.topic: .*placeholder \{data\}/);
  assert.match(refused({ url: URL, outbound: [{ channel: 'cmd x', topic: 'a' }] }), /outbound\[0\]\.channel: .*not a channel name/);
});

test('MQTT 3.1.1 refuses an outbound topic an inbound filter would take back (no way to see its own messages)', () => {
  const message = refused({
    url: URL,
    protocolVersion: 4,
    inbound: [{ topic: 'devices/#', channel: 'iot:x' }],
    outbound: [{ channel: 'cmd:*', topic: 'devices/{1}/set' }],
  });
  assert.match(message, /outbound\[0\]\.topic: .*overlaps inbound\[0\]\.topic/);
  resolveMqttBridgeOptions({ url: URL, protocolVersion: 4, inbound: [{ topic: 'sensors/#', channel: 'iot:x' }], outbound: [{ channel: 'cmd:*', topic: 'devices/{1}/set' }] });
  assert.match(refused({ url: URL, protocolVersion: 4, sharedGroup: 'g', inbound: [{ topic: 'a', channel: 'iot:x' }] }), /sharedGroup: shared subscriptions need protocolVersion 5/);
});

test('other keys: unknown keys, bad URL, no rules, bad numbers are each named', () => {
  assert.match(refused({ url: URL, inbound: [{ topic: 'a', channel: 'iot:x' }], keepAlive: 3 }), /mqtt: .*keepAlive/);
  assert.match(refused({ url: 'http://x', inbound: [{ topic: 'a', channel: 'iot:x' }] }), /mqtt\.url: must be an mqtt:\/\//);
  assert.match(refused({ url: URL }), /mqtt\.inbound: give at least one inbound or outbound rule/);
  assert.match(refused({ url: URL, inbound: [{ topic: 'a', channel: 'iot:x', qos: 3 }] }), /mqtt\.inbound\[0\]\.qos/);
  assert.match(refused({ url: URL, inbound: [{ topic: 'a', channel: 'iot:x' }], reconnectDelayMs: 1000, maxReconnectDelayMs: 500 }), /maxReconnectDelayMs: must be >= reconnectDelayMs/);
  assert.match(refused({ url: URL, inbound: [{ topic: 'a', channel: 'iot:x' }], bridgeId: 'a b' }), /mqtt\.bridgeId: must be/);
});

test('an inbound rule into a namespace the hub does not have is refused at start, naming the rule', async () => {
  const { Hub } = await import('../../../src/hub/hub.js');
  const { MqttBridge, hubBridgeHost } = await import('../../../src/bridges/mqtt/index.js');
  const hub = new Hub({ namespaces: { iot: {} }, broker: new (await import('../../../src/broker/memory.js')).MemoryBroker() });
  const bridge = new MqttBridge({ url: URL, inbound: [{ topic: 'a/+', channel: 'iot:{1}' }, { topic: 'b/+', channel: 'nope:{1}' }] }, hubBridgeHost(hub), { log: () => {} });
  await assert.rejects(bridge.start(), /mqtt\.inbound\[1\]\.channel: "nope:\{1\}": unknown namespace "nope"/);
  await hub.close();
});
