// The bridge against the real Mosquitto on 127.0.0.1:1883 (MQTT 5): both directions,
// wildcards and templates, JSON/text/binary payloads, retained state on subscribe, loop
// prevention, bad input counted and dropped, and MQTT 3.1.1. Each run uses its own topics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { Client } from '../../../src/client/node.js';
import { VolleyError } from '../../../src/client/errors.js';
import type { MqttMessageData } from '../../../src/bridges/mqtt/index.js';
import { ORIGIN_PROPERTY } from '../../../src/bridges/mqtt/index.js';
import { connectDevice, mosquittoSkipReason, receiveFrom, startBridgedServer, uniqueRun, until, type BridgedServer } from './helpers.js';

const skip = await mosquittoSkipReason();
const { prefix, id } = uniqueRun('mqtt');

describe('MQTT bridge against Mosquitto', { skip }, () => {
  let node: BridgedServer;
  let device: MqttClient;
  const closers: Array<() => unknown> = [];

  before(async () => {
    device = await connectDevice();
    // Retained before the bridge starts: the current state it must pick up.
    await device.publishAsync(`${prefix}/devices/lamp/state`, JSON.stringify({ on: false, since: 1 }), { qos: 1, retain: true });
    node = await startBridgedServer({
      url: 'mqtt://127.0.0.1:1883',
      bridgeId: id,
      clientId: `${id}-node`,
      session: 'clean',
      inbound: [
        { topic: `${prefix}/sensors/+/temperature`, channel: 'iot:{1}.temperature' },
        { topic: `${prefix}/raw/#`, channel: 'iot:raw.{1}' },
        { topic: `${prefix}/devices/+/state`, channel: 'iot:{1}.state' },
        { topic: `${prefix}/strict/+`, channel: 'iot:strict.{1}', payload: 'json' },
        { topic: `${prefix}/devices/+/set`, channel: 'cmd:{1}.set' },
      ],
      outbound: [
        { channel: 'cmd:*.set', topic: `${prefix}/devices/{1}/set` },
        { channel: 'cmd:by-data', topic: `${prefix}/devices/{data.device}/set` },
      ],
    });
  });

  after(async () => {
    for (const close of closers) await close();
    await node?.stop();
    if (device !== undefined) {
      await device.publishAsync(`${prefix}/devices/lamp/state`, '', { qos: 1, retain: true });
      await device.endAsync();
    }
  });

  test('inbound: a + wildcard fills the channel template; JSON, text and binary payloads', async () => {
    const k1 = await receiveFrom(node.url, 'iot:k1.temperature');
    closers.push(k1.close);
    await device.publishAsync(`${prefix}/sensors/k1/temperature`, '{"celsius":21.5}', { qos: 1 });
    await device.publishAsync(`${prefix}/sensors/k1/temperature`, 'warm 暖', { qos: 0 });
    await device.publishAsync(`${prefix}/sensors/k1/temperature`, Buffer.from([0xde, 0xad, 0xbe, 0xef]), { qos: 1, properties: { contentType: 'application/x-reading' } });
    await device.publishAsync(`${prefix}/sensors/k1/temperature`, Buffer.from([0xff, 0x00]), { qos: 1 });
    await until(() => k1.items.length === 4, 'four readings');
    const [json, text, typed, bytes] = k1.items as MqttMessageData[];
    assert.deepEqual({ ...json, receivedAt: 0 }, { topic: `${prefix}/sensors/k1/temperature`, format: 'json', payload: { celsius: 21.5 }, receivedAt: 0 });
    assert.equal(typeof json!.receivedAt, 'number');
    assert.deepEqual([text!.format, text!.payload, text!.contentType], ['text', 'warm 暖', undefined]);
    assert.deepEqual([typed!.format, typed!.payload, typed!.contentType], ['base64', '3q2+7w==', 'application/x-reading']);
    assert.deepEqual([bytes!.format, bytes!.payload, bytes!.contentType], ['base64', '/wA=', 'application/octet-stream']);
  });

  test('inbound: # captures the remaining levels; other sensors go to their own channels', async () => {
    const raw = await receiveFrom(node.url, 'iot:raw.a/b/c');
    const k2 = await receiveFrom(node.url, 'iot:k2.temperature');
    closers.push(raw.close, k2.close);
    await device.publishAsync(`${prefix}/raw/a/b/c`, '1', { qos: 1 });
    await device.publishAsync(`${prefix}/sensors/k2/temperature`, '2', { qos: 1 });
    await until(() => raw.items.length === 1 && k2.items.length === 1, 'the raw and k2 messages');
    assert.equal(raw.items[0]!.payload, 1);
    assert.equal(k2.items[0]!.payload, 2);
  });

  test('retained: the state published before the bridge started is the channel\'s latest value on subscribe', async () => {
    const client = new Client(node.url);
    closers.push(() => client.disconnect());
    client.connect();
    const state = client.subscribe<MqttMessageData>('iot:lamp.state');
    await state.ready();
    const { publications } = await state.history({ limit: 1, direction: 'backward' });
    assert.equal(publications.length, 1);
    assert.deepEqual(publications[0]!.data.payload, { on: false, since: 1 });
    assert.equal(publications[0]!.data.retained, true);
    // A live change is not marked retained (the bridge's subscription is not new any more).
    const live: MqttMessageData[] = [];
    state.on('publication', ({ data }) => live.push(data));
    await device.publishAsync(`${prefix}/devices/lamp/state`, JSON.stringify({ on: true, since: 2 }), { qos: 1, retain: true });
    await until(() => live.length === 1, 'the live state change');
    assert.equal(live[0]!.retained, undefined);
    const latest = await state.history({ limit: 1, direction: 'backward' });
    assert.deepEqual(latest.publications[0]!.data.payload, { on: true, since: 2 });
  });

  test('outbound: a browser command reaches the device once, marked with the bridge id, and does not come back', async () => {
    const seen: Array<{ topic: string; payload: string; origin: unknown }> = [];
    device.on('message', (topic, payload, packet) => {
      if (topic.startsWith(`${prefix}/devices/`) && topic.endsWith('/set')) seen.push({ topic, payload: payload.toString(), origin: packet.properties?.userProperties?.[ORIGIN_PROPERTY] });
    });
    await device.subscribeAsync(`${prefix}/devices/+/set`, { qos: 1 });
    const browser = await receiveFrom<unknown>(node.url, 'cmd:lamp.set');
    closers.push(browser.close);
    const before = node.bridge.stats();
    await browser.subscription.publish({ on: true });
    await until(() => seen.length === 1 && browser.items.length === 1, 'the command at the device and at the browser');
    assert.deepEqual(seen[0], { topic: `${prefix}/devices/lamp/set`, payload: '{"on":true}', origin: id });
    // The bridge subscribes to the same topics (inbound[4]) with noLocal: nothing comes back in.
    await device.publishAsync(`${prefix}/sensors/k9/temperature`, '0', { qos: 1 });
    await until(() => node.bridge.stats().inbound.received > before.inbound.received, 'a later message through the bridge');
    assert.equal(browser.items.length, 1, 'the command came back into Volley');
    assert.equal(node.bridge.stats().outbound.sent, before.outbound.sent + 1);

    // A device's own command enters Volley once and is not sent back to MQTT.
    await device.publishAsync(`${prefix}/devices/lamp/set`, '{"on":false}', { qos: 1 });
    await until(() => browser.items.length === 2, 'the device command in Volley');
    assert.deepEqual((browser.items[1] as unknown as MqttMessageData).payload, { on: false });
    const received = node.bridge.stats().inbound.received;
    await device.publishAsync(`${prefix}/sensors/k9/temperature`, '1', { qos: 1 });
    await until(() => node.bridge.stats().inbound.received > received, 'a later message');
    assert.equal(seen.length, 2, `the device saw ${JSON.stringify(seen)}`);
    assert.equal(node.bridge.stats().outbound.sent, before.outbound.sent + 1);
  });

  test('outbound: data that would make an invalid topic is the publisher\'s error, and nothing is sent', async () => {
    const browser = await receiveFrom<unknown>(node.url, 'cmd:by-data');
    closers.push(browser.close);
    const sent = node.bridge.stats().outbound.sent;
    for (const device of ['+', '#', 'a/b', '', 'x\u0000y', { nested: true }]) {
      await assert.rejects(browser.subscription.publish({ device }), (error: unknown) => error instanceof VolleyError && error.code === 107 && /data\.device/.test(error.message));
    }
    await browser.subscription.publish({ device: 'lamp', on: true });
    assert.equal(node.bridge.stats().outbound.sent, sent + 1);
    assert.equal(node.bridge.stats().outbound.invalid, 6);
    assert.equal(browser.items.length, 1);
  });

  test('bad input: too large, undecodable and unmappable messages are counted and logged, and the bridge goes on', async () => {
    const good = await receiveFrom(node.url, 'iot:ok.temperature');
    closers.push(good.close);
    const before = node.bridge.stats().inbound;
    await device.publishAsync(`${prefix}/sensors/big/temperature`, 'x'.repeat(70_000), { qos: 1 });
    await device.publishAsync(`${prefix}/strict/a`, 'not json', { qos: 1 });
    await device.publishAsync(`${prefix}/sensors/a b/temperature`, '1', { qos: 1 });
    await device.publishAsync(`${prefix}/sensors/ok/temperature`, '"fine"', { qos: 1 });
    await until(() => good.items.length === 1, 'the good message after the bad ones');
    const after = node.bridge.stats().inbound;
    assert.equal(after.tooLarge, before.tooLarge + 1);
    assert.equal(after.undecodable, before.undecodable + 1);
    assert.equal(after.invalidChannel, before.invalidChannel + 1);
    assert.ok(node.logs.some((line) => /over maxPublicationSize 65536/.test(line)), node.logs.join('\n'));
    assert.ok(node.logs.some((line) => /is not json \(inbound\[3\]\)/.test(line)), node.logs.join('\n'));
    assert.ok(node.logs.some((line) => /not a valid channel name/.test(line)), node.logs.join('\n'));
  });

  test('status: connected, with the counters', () => {
    const stats = node.bridge.stats();
    assert.equal(stats.state, 'connected');
    assert.equal(stats.url, 'mqtt://127.0.0.1:1883');
    assert.equal(stats.clientId, `${id}-node`);
    assert.equal(stats.protocolVersion, 5);
    assert.equal(stats.connects, 1);
    assert.ok(stats.inbound.published >= 8);
  });
});

describe('MQTT bridge with MQTT 3.1.1', { skip }, () => {
  test('inbound and outbound work; the rules are matched by topic', async () => {
    const run = uniqueRun('mqtt311');
    const node = await startBridgedServer({
      url: 'mqtt://127.0.0.1:1883',
      protocolVersion: 4,
      bridgeId: run.id,
      clientId: `${run.id}-node`,
      inbound: [{ topic: `${run.prefix}/sensors/+`, channel: 'iot:{1}' }],
      outbound: [{ channel: 'cmd:*', topic: `${run.prefix}/devices/{1}` }],
    });
    const device = await connectDevice(undefined, { protocolVersion: 4 });
    try {
      const sensor = await receiveFrom(node.url, 'iot:s1');
      await device.publishAsync(`${run.prefix}/sensors/s1`, '{"v":1}', { qos: 1 });
      await until(() => sensor.items.length === 1, 'the 3.1.1 message');
      assert.deepEqual(sensor.items[0]!.payload, { v: 1 });
      const got: string[] = [];
      device.on('message', (_topic, payload) => got.push(payload.toString()));
      await device.subscribeAsync(`${run.prefix}/devices/+`, { qos: 1 });
      const command = await receiveFrom<unknown>(node.url, 'cmd:d1');
      await command.subscription.publish('go');
      await until(() => got.length === 1, 'the command');
      assert.equal(got[0], '"go"');
      sensor.close();
      command.close();
    } finally {
      await device.endAsync();
      await node.stop();
    }
  });
});
