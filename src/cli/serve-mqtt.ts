// The MQTT bridge of `volley serve` (docs/mqtt.md): the config's `mqtt` (a URL or the bridge's
// options) plus, with the demo on, the Devices demo's rules; checked before the start, so that
// a bad rule is a usage error (exit 2) naming it.

import { MqttConfigError, resolveMqttBridgeOptions, type MqttBridgeOptions } from '../bridges/mqtt/options.js';
import { demoDeviceRules } from '../demo/devices.js';
import { UsageError } from './args.js';
import type { ServeConfig } from './serve-config.js';

/** The bridge options volley serve starts with, or undefined without `mqtt`; throws UsageError naming a bad rule. */
export function serveMqttOptions(config: ServeConfig): MqttBridgeOptions | undefined {
  if (config.mqtt === undefined) return undefined;
  const own = (typeof config.mqtt === 'string' ? { url: config.mqtt } : config.mqtt) as { inbound?: unknown; outbound?: unknown };
  const demo = config.demo ? demoDeviceRules() : { inbound: [], outbound: [] };
  // The config's own rules first, so that an error's index is the one in the file.
  const options = {
    ...own,
    inbound: Array.isArray(own.inbound) ? [...own.inbound, ...demo.inbound] : (own.inbound ?? demo.inbound),
    outbound: Array.isArray(own.outbound) ? [...own.outbound, ...demo.outbound] : (own.outbound ?? demo.outbound),
  };
  try {
    resolveMqttBridgeOptions(options, 'mqtt');
  } catch (error) {
    if (error instanceof MqttConfigError) throw new UsageError(error.message, 'serve');
    throw error;
  }
  return options as MqttBridgeOptions;
}
