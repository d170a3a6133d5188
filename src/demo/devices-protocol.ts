// What the Devices demo page, the device simulator and the demo's bridge rules agree on.
// No Node API here: web/ imports it as it is.
//
//   MQTT  <prefix>/<device>/reading  {"temperature":21.4,"on":true,"time":...}   every second
//         <prefix>/<device>/state    {"on":true,"changedAt":...}   retained: the current state
//         <prefix>/<device>/set      {"on":false}                  the device obeys it
//   Volley  devices:<device>.reading   devices:<device>.state   <- inbound rules
//           devices:<device>.set       -> outbound rule

export const DEVICES_NAMESPACE = 'devices';
/** The simulated heaters. */
export const DEMO_DEVICES = ['heater-1', 'heater-2', 'heater-3'] as const;
export const DEFAULT_DEVICE_TOPIC_PREFIX = 'volley-demo/devices';

export interface DeviceReading {
  /** °C */
  temperature: number;
  on: boolean;
  /** The device's clock, ms since the epoch. */
  time: number;
}

export interface DeviceState {
  on: boolean;
  changedAt: number;
}

export interface DeviceCommand {
  on: boolean;
}

export const readingChannel = (device: string): string => `${DEVICES_NAMESPACE}:${device}.reading`;
export const stateChannel = (device: string): string => `${DEVICES_NAMESPACE}:${device}.state`;
export const commandChannel = (device: string): string => `${DEVICES_NAMESPACE}:${device}.set`;

export function isDeviceReading(value: unknown): value is DeviceReading {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.temperature === 'number' && typeof r.on === 'boolean' && typeof r.time === 'number';
}

export function isDeviceState(value: unknown): value is DeviceState {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return typeof s.on === 'boolean' && typeof s.changedAt === 'number';
}

/** The bridge's data around an MQTT payload (MqttMessageData), reduced to what the page reads. */
export interface BridgedMessage {
  topic: string;
  payload: unknown;
  retained?: true;
}

export function isBridgedMessage(value: unknown): value is BridgedMessage {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>).topic === 'string' && 'payload' in value;
}
