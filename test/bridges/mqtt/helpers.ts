// Shared by the MQTT bridge tests: the shared Mosquitto (skip or, with CI=true, fail when
// absent), a Volley server with a bridge, device-side MQTT clients and a Volley client that
// records what it receives.

import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Client } from '../../../src/client/node.js';
import type { Subscription } from '../../../src/client/index.js';
import { startMqttBridge, hubBridgeHost, type MqttBridge, type MqttMessageData } from '../../../src/bridges/mqtt/index.js';
import { createServer, type VolleyServer, type VolleyServerOptions } from '../../../src/server/server.js';
import { serviceSkipReason } from '../../cluster/engines.js';

export const MQTT_URL = process.env.VOLLEY_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

export function mosquittoSkipReason(url = MQTT_URL): Promise<string | undefined> {
  return serviceSkipReason('Mosquitto', url.replace(/^mqtt:/, 'tcp:'));
}

/** A topic prefix and bridge id no other run uses (other helpers share the Mosquitto). */
export function uniqueRun(name: string): { prefix: string; id: string } {
  const id = `vt${name}${randomBytes(4).toString('hex')}`;
  return { prefix: `volley-test/${id}`, id };
}

export interface BridgedServer {
  server: VolleyServer;
  bridge: MqttBridge;
  url: string;
  logs: string[];
  stop(): Promise<void>;
}

export async function startBridgedServer(mqttOptions: Record<string, unknown>, serverOptions: VolleyServerOptions = {}): Promise<BridgedServer> {
  const server = createServer({
    port: 0,
    host: '127.0.0.1',
    allowAnonymous: true,
    heartbeatIntervalMs: 0,
    limits: { publishRate: 100_000, publishBurst: 100_000 },
    namespaces: { iot: { historySize: 100, historyTtlMs: 600_000 }, cmd: {} },
    ...serverOptions,
  });
  const { port } = await server.listen();
  const logs: string[] = [];
  try {
    const bridge = await startMqttBridge(mqttOptions, hubBridgeHost(server.hub), { log: (line) => logs.push(line) });
    return {
      server,
      bridge,
      logs,
      url: `ws://127.0.0.1:${port}/connection/websocket`,
      async stop() {
        await bridge.close();
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** A device: a plain MQTT.js client (MQTT 5 unless told otherwise). */
export function connectDevice(url = MQTT_URL, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, ...options });
}

export interface Received<T = MqttMessageData> {
  client: Client;
  subscription: Subscription<T>;
  items: T[];
  close(): void;
}

/** A Volley client subscribed to `channel`, recording each publication's data. */
export async function receiveFrom<T = MqttMessageData>(url: string, channel: string): Promise<Received<T>> {
  const client = new Client(url, { name: 'mqtt-test' });
  const items: T[] = [];
  const subscription = client.subscribe<T>(channel);
  subscription.on('publication', ({ data }) => items.push(data as T));
  client.connect();
  await subscription.ready();
  return { client, subscription, items, close: () => client.disconnect() };
}

/** Waits until `check()` holds, polling; fails after `timeoutMs` with `what`. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
