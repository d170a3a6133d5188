// Simulated heaters on an MQTT broker, for the Devices demo: each publishes a temperature
// reading every second, keeps its on/off state as a retained message, and obeys commands on
// its `set` topic. It is an ordinary MQTT client (MQTT.js, imported when it starts), like a
// real device would be; examples/mqtt-devices.mjs runs it on its own.

import type { MqttClient } from 'mqtt';
import { DEFAULT_DEVICE_TOPIC_PREFIX, DEMO_DEVICES, type DeviceCommand, type DeviceReading, type DeviceState } from './devices-protocol.js';

export interface DeviceSimulatorOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
  url: string;
  /** Topic prefix of the devices. Default DEFAULT_DEVICE_TOPIC_PREFIX ('volley-demo/devices'). */
  topicPrefix?: string;
  /** Device names. Default DEMO_DEVICES. */
  devices?: readonly string[];
  /** Milliseconds between readings. Default 1000. */
  intervalMs?: number;
  username?: string;
  password?: string;
  /** Called with each command a device obeys. Default: none. */
  onCommand?: (device: string, command: DeviceCommand) => void;
}

export interface DeviceSimulator {
  /** The state of a device now. */
  state(device: string): DeviceState | undefined;
  /** Commands obeyed so far. */
  readonly commands: number;
  stop(): Promise<void>;
}

interface Heater {
  temperature: number;
  state: DeviceState;
}

const AMBIENT = 18;
const TARGET_ON = 26;

export async function startDeviceSimulator(options: DeviceSimulatorOptions): Promise<DeviceSimulator> {
  const prefix = options.topicPrefix ?? DEFAULT_DEVICE_TOPIC_PREFIX;
  const names = options.devices ?? DEMO_DEVICES;
  const { default: mqtt } = await import('mqtt');
  const client: MqttClient = await mqtt.connectAsync(options.url, {
    protocolVersion: 5,
    clientId: `volley-demo-devices-${Math.random().toString(16).slice(2, 10)}`,
    reconnectPeriod: 2_000,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
  });
  client.on('error', () => {});
  const heaters = new Map<string, Heater>(names.map((name, i) => [name, { temperature: AMBIENT + i, state: { on: i === 0, changedAt: Date.now() } }]));
  let commands = 0;

  const publishState = (name: string, heater: Heater) =>
    client.publish(`${prefix}/${name}/state`, JSON.stringify(heater.state), { qos: 1, retain: true });
  const publishReading = (name: string, heater: Heater) => {
    const reading: DeviceReading = { temperature: Math.round(heater.temperature * 10) / 10, on: heater.state.on, time: Date.now() };
    client.publish(`${prefix}/${name}/reading`, JSON.stringify(reading), { qos: 0 });
  };

  client.on('message', (topic, payload) => {
    const name = topic.slice(prefix.length + 1, -'/set'.length);
    const heater = heaters.get(name);
    if (heater === undefined) return;
    let command: DeviceCommand;
    try {
      command = JSON.parse(payload.toString()) as DeviceCommand;
    } catch {
      return;
    }
    if (typeof command?.on !== 'boolean') return;
    commands += 1;
    options.onCommand?.(name, command);
    heater.state = { on: command.on, changedAt: Date.now() };
    publishState(name, heater);
    publishReading(name, heater);
  });
  await client.subscribeAsync(`${prefix}/+/set`, { qos: 1 });
  for (const [name, heater] of heaters) {
    publishState(name, heater);
    publishReading(name, heater);
  }

  // Switched on, a heater warms towards TARGET_ON; off, it cools to the room.
  const timer = setInterval(() => {
    for (const [name, heater] of heaters) {
      const target = heater.state.on ? TARGET_ON : AMBIENT;
      heater.temperature += (target - heater.temperature) * 0.08 + (Math.random() - 0.5) * 0.15;
      publishReading(name, heater);
    }
  }, options.intervalMs ?? 1_000);
  timer.unref();

  return {
    state: (device) => heaters.get(device)?.state,
    get commands() {
      return commands;
    },
    async stop() {
      clearInterval(timer);
      await client.endAsync();
    },
  };
}
