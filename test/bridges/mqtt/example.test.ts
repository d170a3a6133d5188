// examples/mqtt-devices.mjs against the shared Mosquitto: readings and retained states appear,
// a command switches a heater and its new state comes back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { buildOnce, killAll, spawnNode } from '../../cli/helpers.js';
import { connectDevice, mosquittoSkipReason, uniqueRun, until } from './helpers.js';

const skip = await mosquittoSkipReason();

describe('examples/mqtt-devices.mjs', { skip }, () => {
  before(buildOnce);
  after(killAll);

  test('publishes readings and retained states, and obeys a command', async () => {
    const { prefix } = uniqueRun('example');
    const watcher = await connectDevice();
    const seen: Array<{ topic: string; payload: Record<string, unknown>; retain: boolean }> = [];
    watcher.on('message', (topic, payload, packet) => payload.length > 0 && seen.push({ topic, payload: JSON.parse(payload.toString()) as Record<string, unknown>, retain: packet.retain }));
    await watcher.subscribeAsync(`${prefix}/#`, { qos: 1 });
    let child: ChildProcess | undefined;
    try {
      child = spawnNode('examples/mqtt-devices.mjs', ['mqtt://127.0.0.1:1883', prefix]);
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
      await until(() => seen.some((m) => m.topic === `${prefix}/heater-3/reading`), 'a reading of heater-3');
      const state = seen.find((m) => m.topic === `${prefix}/heater-3/state`);
      assert.equal(state?.payload.on, false);
      await watcher.publishAsync(`${prefix}/heater-3/set`, '{"on":true}', { qos: 1 });
      await until(() => seen.some((m) => m.topic === `${prefix}/heater-3/state` && m.payload.on === true), 'the new state');
      await until(() => out.includes('heater-3: switched on'), 'the log line');
    } finally {
      child?.kill('SIGINT');
      for (const name of ['heater-1', 'heater-2', 'heater-3']) await watcher.publishAsync(`${prefix}/${name}/state`, '', { qos: 1, retain: true });
      await watcher.endAsync();
    }
  });
});
