// The bridge as an option of createServer and of `volley serve` (--mqtt, config key `mqtt`):
// started with the server, closed with it; bad rules exit 2 naming them; an unreachable broker
// exits 1 naming the URL; with the demo, the Devices page, its rules and its heaters run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../../../src/client/node.js';
import { createServer } from '../../../src/server/server.js';
import type { MqttMessageData } from '../../../src/bridges/mqtt/index.js';
import { freePort } from '../../cluster/engines.js';
import { buildOnce, killAll, runCli, startServe } from '../../cli/helpers.js';
import { MQTT_URL, connectDevice, mosquittoSkipReason, receiveFrom, uniqueRun, until } from './helpers.js';

const skip = await mosquittoSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'volley-serve-mqtt-'));

describe('createServer({ mqtt })', { skip }, () => {
  test('listen() starts the bridge, close() closes it first', async () => {
    const { prefix, id } = uniqueRun('create');
    const server = createServer({
      port: 0, host: '127.0.0.1', allowAnonymous: true, namespaces: { iot: { historySize: 10 } },
      mqtt: { url: MQTT_URL, bridgeId: id, clientId: id, session: 'clean', inbound: [{ topic: `${prefix}/+`, channel: 'iot:{1}' }] },
    });
    const { port } = await server.listen();
    assert.equal(server.mqttBridge?.stats().state, 'connected');
    const sensor = await receiveFrom(`ws://127.0.0.1:${port}/connection/websocket`, 'iot:s');
    const device = await connectDevice();
    await device.publishAsync(`${prefix}/s`, '1', { qos: 1 });
    await until(() => sensor.items.length === 1, 'the message');
    sensor.close();
    await device.endAsync();
    const bridge = server.mqttBridge!;
    await server.close();
    assert.equal(bridge.stats().state, 'closed');
  });
});

describe('volley serve --mqtt', { skip }, () => {
  before(buildOnce);
  after(() => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  test('with the demo: the Devices page, its rules and its heaters; the current state on subscribe', async () => {
    const served = await startServe(['--mqtt', MQTT_URL]);
    try {
      assert.match(served.stdout(), /\/devices\.html\s+demo: MQTT devices/);
      const page = await fetch(`${served.httpBase}/devices.html`);
      assert.equal(page.status, 200);
      const client = new Client(`${served.httpBase.replace('http', 'ws')}/connection/websocket`);
      client.connect();
      const state = client.subscribe<MqttMessageData>('devices:heater-1.state');
      await state.ready();
      let current: MqttMessageData | undefined;
      await until(() => {
        state.history({ limit: 1, direction: 'backward' }).then(({ publications }) => (current = publications[0]?.data), () => {});
        return current !== undefined;
      }, 'the state of heater-1');
      assert.equal(typeof (current!.payload as { on: unknown }).on, 'boolean');
      client.disconnect();
    } finally {
      const { code } = await served.stop();
      assert.equal(code, 0);
    }
  });

  test('bad rules or URLs exit 2 naming them', async () => {
    const bad = await runCli(['serve', '--port', '0', '--mqtt', 'http://127.0.0.1:1883']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--mqtt must be an mqtt:\/\//);
    const file = join(dir, 'bad-rule.json');
    writeFileSync(file, JSON.stringify({ demo: false, mqtt: { url: MQTT_URL, inbound: [{ topic: 'a/#/b', channel: 'iot:{1}' }] } }));
    const rule = await runCli(['serve', '--port', '0', '-c', file]);
    assert.equal(rule.code, 2);
    assert.match(rule.stderr, /mqtt\.inbound\[0\]\.topic: topic filter "a\/#\/b" "#" must be a whole level and the last one/);
    const none = await runCli(['serve', '--port', '0', '--no-demo', '--mqtt', MQTT_URL]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /mqtt\.inbound: give at least one inbound or outbound rule/);
  });

  test('an unreachable broker at start exits 1 naming the URL', async () => {
    const url = `mqtt://127.0.0.1:${await freePort()}`;
    const file = join(dir, 'unreachable.json');
    writeFileSync(file, JSON.stringify({ mqtt: { url: MQTT_URL, connectTimeoutMs: 500 } }));
    const result = await runCli(['serve', '--port', '0', '-c', file, '--mqtt', url]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`cannot reach the MQTT broker at ${url.replace(/[.]/g, '\\.')} within 500 ms`));
  });
});
