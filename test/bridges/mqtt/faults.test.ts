// Faults, with a private mosquitto (persistence on) and a private Redis:
//  - a steady QoS 1 stream through the bridge while mosquitto is stopped and started again and
//    the bridge's Volley node is restarted: every message MQTT accepted reaches a subscribed
//    Volley client exactly once, in order per topic;
//  - outbound publishes refused with `unavailable` while the broker is down;
//  - an unreachable broker at start: an error naming the URL, or (retryAtStart) a later connect.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { Client } from '../../../src/client/node.js';
import { VolleyError } from '../../../src/client/errors.js';
import { brokerFromUrl } from '../../../src/broker/from-url.js';
import type { Broker } from '../../../src/broker/broker.js';
import { createServer, type VolleyServer } from '../../../src/server/server.js';
import { startMqttBridge, type BridgeHost, type MqttMessageData } from '../../../src/bridges/mqtt/index.js';
import { PrivateEngine, freePort } from '../../cluster/engines.js';
import { startBridgeNode, stopBridgeNode, type BridgeNode } from './bridge-nodes.js';
import { receiveFrom, startBridgedServer, uniqueRun, until } from './helpers.js';

function binaryMissing(): string | false {
  const missing = ['/usr/sbin/mosquitto', '/usr/bin/redis-server'].filter((path) => !existsSync(path));
  if (missing.length === 0) return false;
  if (process.env.CI === 'true') throw new Error(`${missing.join(', ')} missing (CI=true: the MQTT fault tests must run)`);
  const reason = `${missing.join(', ')} not installed`;
  console.log(`# skipping the MQTT fault tests: ${reason}`);
  return reason;
}

const skip = binaryMissing();

interface StreamResult {
  total: number;
  /** Per topic, the sequence numbers mosquitto accepted from the device, in order. */
  accepted: Map<string, number[]>;
  /** Per topic, the sequence numbers the Volley client received, in arrival order. */
  received: Map<string, number[]>;
}

interface StreamControl {
  sent(): number;
  mosquitto: PrivateEngine;
  /** Stops the bridge's Volley node (SIGTERM: graceful; SIGKILL: a crash), waits until `resumeAt` messages were sent, starts it again. */
  restartBridgeNode(signal: 'SIGTERM' | 'SIGKILL', resumeAt: number): Promise<void>;
}

/**
 * A steady stream of `total` messages on two topics from a device to the private mosquitto,
 * bridged by a Volley node process (A) on a private Redis, received by a client of another
 * node (B) that stays up; `faults` runs while it flows.
 */
async function streamThroughFaults(mosquitto: PrivateEngine, total: number, faults: (control: StreamControl) => Promise<void>): Promise<StreamResult> {
  const { prefix, id } = uniqueRun('fault');
  const redis = await PrivateEngine.redis();
  await redis.start();
  let nodeA: BridgeNode | undefined;
  let broker: Broker | undefined;
  let nodeB: VolleyServer | undefined;
  let device: MqttClient | undefined;
  const clients: Client[] = [];
  try {
    const bridgeOptions = {
      url: mosquitto.url,
      bridgeId: id,
      clientId: `${id}-bridge`,
      reconnectDelayMs: 50,
      maxReconnectDelayMs: 500,
      inbound: [{ topic: `${prefix}/stream/+`, channel: 'iot:stream.{1}', qos: 1 }],
    };
    nodeA = await startBridgeNode(redis.url, bridgeOptions);
    broker = await brokerFromUrl(redis.url);
    nodeB = createServer({ broker, port: 0, host: '127.0.0.1', allowAnonymous: true, heartbeatIntervalMs: 0, namespaces: { iot: { historySize: 10_000, historyTtlMs: 600_000 } } });
    const { port } = await nodeB.listen();
    const topics = ['t1', 't2'];
    const received = new Map<string, number[]>(topics.map((t) => [t, []]));
    for (const topic of topics) {
      const r = await receiveFrom<MqttMessageData>(`ws://127.0.0.1:${port}/connection/websocket`, `iot:stream.${topic}`);
      clients.push(r.client);
      r.subscription.on('publication', ({ data }) => received.get(topic)!.push((data.payload as { seq: number }).seq));
    }

    // The device publishes with QoS 2, so that its own leg to the broker adds no duplicates
    // when the broker restarts; the bridge's subscription is QoS 1: that is the leg under test.
    device = await mqtt.connectAsync(mosquitto.url, {
      protocolVersion: 5, clientId: `${id}-device`, clean: false, reconnectPeriod: 50, properties: { sessionExpiryInterval: 3_600 },
    });
    device.on('error', () => {});
    const accepted = new Map<string, number[]>(topics.map((t) => [t, []]));
    const settled: Array<Promise<void>> = [];
    let sent = 0;
    const producer = (async () => {
      for (let seq = 1; seq <= total; seq++) {
        const topic = topics[seq % 2]!;
        settled.push(
          new Promise<void>((resolve) => {
            device!.publish(`${prefix}/stream/${topic}`, JSON.stringify({ seq }), { qos: 2 }, (error) => {
              if (!error) accepted.get(topic)!.push(seq);
              resolve();
            });
          }),
        );
        sent = seq;
        // A steady pace (not a wait for anything): the faults happen while it runs.
        await new Promise((resolve) => setTimeout(resolve, 8));
      }
    })();

    await faults({
      sent: () => sent,
      mosquitto,
      async restartBridgeNode(signal, resumeAt) {
        await stopBridgeNode(nodeA!, signal);
        await until(() => sent >= resumeAt, 'messages while the bridge node is down', 60_000);
        nodeA = await startBridgeNode(redis.url, bridgeOptions);
      },
    });
    await producer;
    await Promise.all(settled);
    const acceptedCount = topics.reduce((sum, t) => sum + accepted.get(t)!.length, 0);
    assert.ok(acceptedCount >= total * 0.9, `only ${acceptedCount} of ${total} accepted by mosquitto`);
    // A last message on each topic shows that everything before it has come through.
    for (const topic of topics) await device.publishAsync(`${prefix}/stream/${topic}`, JSON.stringify({ seq: total + 1 }), { qos: 2 });
    await until(() => topics.every((t) => received.get(t)!.includes(total + 1)), 'the last message on both topics', 120_000);
    for (const topic of topics) received.set(topic, received.get(topic)!.filter((seq) => seq <= total));
    return { total, accepted, received };
  } finally {
    for (const client of clients) client.disconnect();
    await device?.endAsync(true);
    if (nodeA !== undefined) await stopBridgeNode(nodeA);
    await nodeB?.close();
    await broker?.close();
    await redis.destroy();
  }
}

describe('MQTT bridge faults', { skip }, () => {
  let mosquitto: PrivateEngine;

  before(async () => {
    mosquitto = await PrivateEngine.mosquitto();
    await mosquitto.start();
  });

  after(async () => {
    await mosquitto?.destroy();
  });

  test('a QoS 1 stream survives a mosquitto restart and a Volley node restart: each accepted message once, in order', async () => {
    const { accepted, received } = await streamThroughFaults(mosquitto, 600, async (control) => {
      await until(() => control.sent() >= 150, 'the stream to start', 60_000);
      await control.mosquitto.stop();
      await until(() => control.sent() >= 230, 'messages queued at the device while mosquitto is down', 60_000);
      await control.mosquitto.start();
      await until(() => control.sent() >= 350, 'the stream to go on after the restart', 60_000);
      await control.restartBridgeNode('SIGTERM', 420);
    });
    let count = 0;
    for (const [topic, expectedUnsorted] of accepted) {
      const got = received.get(topic)!;
      const expected = [...expectedUnsorted].sort((a, b) => a - b);
      const duplicates = got.filter((seq, i) => got.indexOf(seq) !== i);
      const missing = expected.filter((seq) => !got.includes(seq));
      assert.deepEqual({ duplicates, missing }, { duplicates: [], missing: [] }, `topic ${topic}`);
      assert.deepEqual(got, expected, `topic ${topic}: in order`);
      count += got.length;
    }
    console.log(`# ${count} messages accepted by mosquitto, each delivered once and in order across a mosquitto restart and a node restart`);
  });

  test('a crash of the bridge\'s Volley node (SIGKILL) loses nothing MQTT accepted: at least once, as documented', async () => {
    const { accepted, received } = await streamThroughFaults(mosquitto, 300, async (control) => {
      await until(() => control.sent() >= 100, 'the stream to start', 60_000);
      await control.restartBridgeNode('SIGKILL', 160);
    });
    let duplicates = 0;
    for (const [topic, expectedUnsorted] of accepted) {
      const got = received.get(topic)!;
      const firstSeen = got.filter((seq, i) => got.indexOf(seq) === i);
      duplicates += got.length - firstSeen.length;
      assert.deepEqual(firstSeen, [...expectedUnsorted].sort((a, b) => a - b), `topic ${topic}: every accepted message, first copies in order`);
    }
    console.log(`# after a SIGKILL of the bridge node: nothing lost, ${duplicates} message(s) delivered twice`);
  });

  test('outbound publishes are refused with unavailable while the broker is down, and go through once it is back', async () => {
    const { prefix, id } = uniqueRun('down');
    const node = await startBridgedServer({
      url: mosquitto.url, bridgeId: id, clientId: `${id}-node`, session: 'clean', reconnectDelayMs: 50, maxReconnectDelayMs: 300,
      outbound: [{ channel: 'cmd:*', topic: `${prefix}/devices/{1}` }],
    });
    const browser = await receiveFrom<unknown>(node.url, 'cmd:lamp');
    try {
      await browser.subscription.publish({ on: true });
      await mosquitto.stop();
      await until(() => node.bridge.stats().state === 'reconnecting', 'the bridge to see the broker gone');
      await assert.rejects(browser.subscription.publish({ on: false }), (error: unknown) => error instanceof VolleyError && error.code === 117);
      assert.equal(node.bridge.stats().outbound.unavailable, 1);
      assert.ok(node.logs.some((line) => line.includes(`lost the connection to ${mosquitto.url}`)), node.logs.join('\n'));
      await mosquitto.start();
      await until(() => node.bridge.stats().state === 'connected', 'the bridge to reconnect');
      await browser.subscription.publish({ on: false });
      const stats = node.bridge.stats();
      assert.equal(stats.outbound.sent, 2);
      assert.equal(stats.connects, 2);
      assert.equal(stats.disconnects, 1);
      // Only the two accepted publications reached the Volley channel.
      assert.equal(browser.items.length, 2);
    } finally {
      browser.close();
      await node.stop();
    }
  });

  test('an unreachable broker at start: an error naming the URL; with retryAtStart the bridge connects once it is there', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    await assert.rejects(
      startBridgedServer({ url, connectTimeoutMs: 500, inbound: [{ topic: 'x/+', channel: 'iot:{1}' }] }),
      (error: unknown) => error instanceof Error && error.message.includes(`cannot reach the MQTT broker at ${url}`),
    );
    const late = await PrivateEngine.mosquitto();
    const { prefix, id } = uniqueRun('late');
    const node = await startBridgedServer({
      url: late.url, bridgeId: id, clientId: `${id}-node`, connectTimeoutMs: 300, retryAtStart: true, reconnectDelayMs: 50, maxReconnectDelayMs: 200,
      inbound: [{ topic: `${prefix}/+`, channel: 'iot:{1}' }],
    });
    try {
      assert.notEqual(node.bridge.stats().state, 'connected');
      assert.ok(node.logs.some((line) => line.includes('starting anyway and retrying')), node.logs.join('\n'));
      await late.start();
      await until(() => node.bridge.stats().state === 'connected', 'the late connect');
      const sensor = await receiveFrom(node.url, 'iot:s');
      const device = await mqtt.connectAsync(late.url, { protocolVersion: 5 });
      // The subscription is made right after the connect: retry until it is in place.
      await until(() => {
        if (sensor.items.length === 0) device.publish(`${prefix}/s`, '1', { qos: 1 });
        return sensor.items.length > 0;
      }, 'a message after the late connect');
      sensor.close();
      await device.endAsync();
    } finally {
      await node.stop();
      await late.destroy();
    }
  });
});

describe('MQTT bridge acknowledgements', { skip }, () => {
  test('a message is acknowledged only once Volley accepted it: while publishing fails, a restart gets it again', async () => {
    const mosquitto = await PrivateEngine.mosquitto();
    await mosquitto.start();
    const { prefix, id } = uniqueRun('ack');
    const options = { url: mosquitto.url, bridgeId: id, clientId: `${id}-bridge`, inbound: [{ topic: `${prefix}/+`, channel: 'iot:{1}' }] };
    const attempts: string[] = [];
    const published: unknown[] = [];
    const host = (fail: boolean): BridgeHost => ({
      publish: async (channel, data) => {
        attempts.push(channel);
        if (fail) throw Object.assign(new Error('engine down'), { name: 'BrokerUnavailableError' });
        published.push(data);
      },
      addPublishInterceptor: () => () => {},
      maxPublicationSize: 65_536,
      keepsHistory: () => true,
    });
    const log = () => {};
    const device = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 5 });
    try {
      const failing = await startMqttBridge(options, host(true), { log });
      await device.publishAsync(`${prefix}/a`, '{"n":1}', { qos: 1 });
      await until(() => failing.stats().inbound.retries >= 2, 'publish retries');
      await failing.close();
      assert.equal(published.length, 0);
      const working = await startMqttBridge(options, host(false), { log });
      await until(() => published.length === 1, 'the message again after the restart');
      await working.close();
      // Acknowledged now: a third start gets nothing more.
      const third = await startMqttBridge(options, host(false), { log });
      await device.publishAsync(`${prefix}/b`, '{"n":2}', { qos: 1 });
      await until(() => published.length === 2, 'the next message');
      assert.deepEqual(published.map((d) => (d as { payload: { n: number } }).payload.n), [1, 2]);
      await third.close();
    } finally {
      await device.endAsync();
      await mosquitto.destroy();
    }
  });
});
