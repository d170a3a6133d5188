// Two Volley nodes on Redis, each with a bridge to the one Mosquitto, in one MQTT 5 shared
// subscription group: every MQTT message enters the cluster once and reaches the subscribers
// of both nodes once; a command is sent to MQTT once, by the node it was published on; the
// retained state is there on subscribe; nothing loops although shared subscriptions cannot use noLocal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { Client } from '../../../src/client/node.js';
import type { MqttBridgeStats, MqttMessageData } from '../../../src/bridges/mqtt/index.js';
import { REDIS_URL, serviceSkipReason } from '../../cluster/engines.js';
import { removeRedisState } from '../../cluster/redis-cleanup.js';
import { startBridgeNode, stopBridgeNode, type BridgeNode } from './bridge-nodes.js';
import { MQTT_URL, connectDevice, mosquittoSkipReason, receiveFrom, uniqueRun, until, type Received } from './helpers.js';

const skip = (await mosquittoSkipReason()) ?? (await serviceSkipReason('Redis', REDIS_URL));
const { prefix, id } = uniqueRun('cluster');

async function statsOf(node: BridgeNode): Promise<MqttBridgeStats> {
  const client = new Client(node.url);
  client.connect();
  try {
    return await client.rpc<MqttBridgeStats>('bridge.stats');
  } finally {
    client.disconnect();
  }
}

describe('two bridged Volley nodes on Redis and one Mosquitto', { skip }, () => {
  const nodes: BridgeNode[] = [];
  let device: MqttClient;
  const receivers: Received<unknown>[] = [];

  before(async () => {
    device = await connectDevice();
    await device.publishAsync(`${prefix}/devices/lamp/state`, '{"on":true}', { qos: 1, retain: true });
    const redisUrl = `${REDIS_URL}?prefix=${id}`;
    for (const name of ['a', 'b']) {
      nodes.push(await startBridgeNode(redisUrl, {
        url: MQTT_URL,
        bridgeId: id,
        clientId: `${id}-${name}`,
        sharedGroup: id,
        session: 'clean',
        inbound: [
          { topic: `${prefix}/sensors/+`, channel: 'iot:{1}' },
          { topic: `${prefix}/devices/+/state`, channel: 'iot:{1}.state' },
          { topic: `${prefix}/devices/+/set`, channel: 'iot:{1}.set' },
        ],
        outbound: [{ channel: 'iot:*.set', topic: `${prefix}/devices/{1}/set` }],
      }));
    }
  });

  after(async () => {
    for (const r of receivers) r.close();
    for (const node of nodes) await stopBridgeNode(node);
    if (device !== undefined) {
      await device.publishAsync(`${prefix}/devices/lamp/state`, '', { qos: 1, retain: true });
      await device.endAsync();
    }
    await removeRedisState(REDIS_URL, id);
  });

  test('each MQTT message enters the cluster once and reaches the subscribers of both nodes once', async () => {
    const onA = await receiveFrom<MqttMessageData>(nodes[0]!.url, 'iot:s1');
    const onB = await receiveFrom<MqttMessageData>(nodes[1]!.url, 'iot:s1');
    receivers.push(onA as Received<unknown>, onB as Received<unknown>);
    const before = await Promise.all(nodes.map(statsOf));
    const COUNT = 200;
    for (let n = 1; n <= COUNT; n++) await device.publishAsync(`${prefix}/sensors/s1`, JSON.stringify({ n }), { qos: 1 });
    await until(() => onA.items.length >= COUNT && onB.items.length >= COUNT, 'every message at both nodes', 60_000);
    // One more round trip: anything duplicated would have arrived by now.
    await device.publishAsync(`${prefix}/sensors/s1`, JSON.stringify({ n: COUNT + 1 }), { qos: 1 });
    await until(() => onA.items.length > COUNT && onB.items.length > COUNT, 'the last message');
    const expected = Array.from({ length: COUNT + 1 }, (_, i) => i + 1);
    // The shared group spreads messages over two nodes, so the order across them is not kept; each arrives once.
    assert.deepEqual(onA.items.map((d) => (d.payload as { n: number }).n).sort((x, y) => x - y), expected);
    assert.deepEqual(onB.items.map((d) => (d.payload as { n: number }).n).sort((x, y) => x - y), expected);
    const after = await Promise.all(nodes.map(statsOf));
    const entered = after.map((s, i) => s.inbound.published - before[i]!.inbound.published);
    assert.equal(entered[0]! + entered[1]!, COUNT + 1, `published per node: ${entered.join(', ')}`);
    console.log(`# shared subscription: node a published ${entered[0]}, node b ${entered[1]} of ${COUNT + 1}`);
  });

  test('the retained state is the latest value on both nodes (shared subscriptions get no retained messages: the snapshot does it)', async () => {
    for (const node of nodes) {
      const client = new Client(node.url);
      client.connect();
      const state = client.subscribe<MqttMessageData>('iot:lamp.state');
      await state.ready();
      const { publications } = await state.history({ limit: 1, direction: 'backward' });
      client.disconnect();
      assert.deepEqual(publications[0]?.data.payload, { on: true });
      assert.equal(publications[0]?.data.retained, true);
    }
  });

  test('a command is sent to MQTT once and does not come back, though both nodes subscribe to its topic', async () => {
    const atDevice: string[] = [];
    device.on('message', (topic, payload) => {
      if (topic === `${prefix}/devices/lamp/set`) atDevice.push(payload.toString());
    });
    await device.subscribeAsync(`${prefix}/devices/+/set`, { qos: 1 });
    const onA = await receiveFrom<unknown>(nodes[0]!.url, 'iot:lamp.set');
    const onB = await receiveFrom<unknown>(nodes[1]!.url, 'iot:lamp.set');
    receivers.push(onA, onB);
    const before = await Promise.all(nodes.map(statsOf));
    await onA.subscription.publish({ on: false });
    await until(() => atDevice.length === 1 && onA.items.length === 1 && onB.items.length === 1, 'the command everywhere once');
    // A device message after it, on the same topics, shows the command did not come back in.
    await device.publishAsync(`${prefix}/devices/lamp/set`, '{"from":"device"}', { qos: 1 });
    await until(() => onA.items.length === 2 && onB.items.length === 2, 'the device message');
    assert.deepEqual(onB.items, [{ on: false }, { topic: `${prefix}/devices/lamp/set`, format: 'json', payload: { from: 'device' }, receivedAt: (onB.items[1] as MqttMessageData).receivedAt }]);
    assert.deepEqual(atDevice, ['{"on":false}', '{"from":"device"}']);
    const after = await Promise.all(nodes.map(statsOf));
    const sent = after.map((s, i) => s.outbound.sent - before[i]!.outbound.sent);
    const loops = after.map((s, i) => s.inbound.loops - before[i]!.inbound.loops);
    assert.deepEqual(sent, [1, 0]);
    assert.equal(loops[0]! + loops[1]!, 1, 'the command came back to one node of the group and was dropped there');
  });
});
