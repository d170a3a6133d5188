// The Devices demo on the server side: the `devices` namespace and the bridge rules that map
// the simulated heaters' topics to it (src/demo/devices-protocol.ts has the scheme).

import type { NamespaceOptions } from '../hub/namespaces.js';
import { DEFAULT_DEVICE_TOPIC_PREFIX, DEVICES_NAMESPACE } from './devices-protocol.js';

/**
 * `devices:*`: the last 120 publications per channel (two minutes of readings) kept ten
 * minutes, so the chart fills at once and the retained state is the latest value;
 * subscribers publish (the commands).
 */
export const DEVICES_NAMESPACE_OPTIONS: Readonly<NamespaceOptions> = {
  historySize: 120,
  historyTtlMs: 600_000,
  publish: 'subscribers',
};

export function devicesNamespaces(): Record<string, NamespaceOptions> {
  return { [DEVICES_NAMESPACE]: { ...DEVICES_NAMESPACE_OPTIONS } };
}

/** The inbound and outbound rules of the demo, for the bridge's options. */
export function demoDeviceRules(topicPrefix = DEFAULT_DEVICE_TOPIC_PREFIX) {
  return {
    inbound: [
      { topic: `${topicPrefix}/+/reading`, channel: `${DEVICES_NAMESPACE}:{1}.reading`, qos: 0 as const },
      { topic: `${topicPrefix}/+/state`, channel: `${DEVICES_NAMESPACE}:{1}.state`, qos: 1 as const },
    ],
    outbound: [{ channel: `${DEVICES_NAMESPACE}:*.set`, topic: `${topicPrefix}/{1}/set`, qos: 1 as const }],
  };
}
