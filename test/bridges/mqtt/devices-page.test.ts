// The Devices demo in Chromium: the device simulator on the shared Mosquitto, the bridge with
// the demo's rules, and the page: a reading appears on the chart, a click reaches the
// simulated device, and its new state comes back. Screenshots in test-artifacts/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { buildWeb } from '../../../scripts/build-web.js';
import { demoServerOptions } from '../../../src/demo/options.js';
import { demoDeviceRules, devicesNamespaces } from '../../../src/demo/devices.js';
import { startDeviceSimulator, type DeviceSimulator } from '../../../src/demo/device-simulator.js';
import { hubBridgeHost, startMqttBridge, type MqttBridge } from '../../../src/bridges/mqtt/index.js';
import { createServer, type VolleyServer } from '../../../src/server/server.js';
import { PAGE_HELPERS, chromiumSkipReason, launchChromium } from '../../support/chromium.js';
import { MQTT_URL, mosquittoSkipReason, uniqueRun } from './helpers.js';

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const chromiumSkip = chromiumSkipReason();
if (chromiumSkip) console.log(`# skipping the Devices page in Chromium: ${chromiumSkip}`);
const skip = chromiumSkip || (await mosquittoSkipReason());

describe('the Devices demo page', { skip }, () => {
  const { prefix, id } = uniqueRun('devices');
  let outDir: string;
  let server: VolleyServer;
  let bridge: MqttBridge;
  let simulator: DeviceSimulator;
  let browser: Browser;
  let base: string;

  before(async () => {
    // Built into a folder of its own: the pages test rebuilds dist/web at the same time.
    outDir = await mkdtemp(join(tmpdir(), 'volley-devices-web-'));
    await buildWeb(outDir);
    await mkdir(ARTIFACTS, { recursive: true });
    const demo = demoServerOptions();
    server = createServer({ ...demo, namespaces: { ...demo.namespaces, ...devicesNamespaces() }, port: 0, host: '127.0.0.1', staticDir: outDir });
    const { port } = await server.listen();
    base = `http://127.0.0.1:${port}`;
    simulator = await startDeviceSimulator({ url: MQTT_URL, topicPrefix: prefix, intervalMs: 250 });
    bridge = await startMqttBridge({ url: MQTT_URL, bridgeId: id, clientId: `${id}-demo`, session: 'clean', ...demoDeviceRules(prefix) }, hubBridgeHost(server.hub), { log: () => {} });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await bridge?.close();
    await simulator?.stop();
    await server?.close();
    if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
  });

  async function open(at = base): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 640 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.addInitScript(PAGE_HELPERS);
    page.on('pageerror', (error) => console.log(`# page error: ${error.message}`));
    await page.goto(`${at}/devices.html`);
    return page;
  }

  test('readings are charted live, a click switches the device over MQTT, and its state comes back', async () => {
    const page = await open();
    const heater = (name: string) => `.device[data-device="${name}"]`;
    await page.waitForFunction((selector) => Number(document.querySelector<HTMLElement>(selector)?.dataset.readings ?? '0') >= 3, heater('heater-2'));
    assert.match((await page.textContent(`${heater('heater-2')} .device-value`)) ?? '', /^\d+\.\d °C$/);
    const inked = await page.evaluate((selector) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`${selector} canvas`)!;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) count++;
      return count;
    }, heater('heater-2'));
    assert.ok(inked > 500, `the chart has ${inked} drawn pixels`);

    // heater-2 starts off (the retained state is on the page at once); the click turns it on at the device.
    await page.waitForSelector(`${heater('heater-2')}[data-on="false"]`);
    assert.equal(simulator.state('heater-2')?.on, false);
    await page.click(`${heater('heater-2')} button.toggle`);
    await waitUntil(() => simulator.state('heater-2')?.on === true, 'the command at the simulated device');
    await page.waitForSelector(`${heater('heater-2')}[data-on="true"]`);
    assert.equal(await page.textContent(`${heater('heater-2')} .device-state`), 'on');
    assert.equal(await page.textContent(`${heater('heater-2')} button.toggle`), 'Turn off');
    assert.equal(bridge.stats().outbound.sent, 1);
    await page.screenshot({ path: join(ARTIFACTS, 'web-devices.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(ARTIFACTS, 'web-devices-dark.png'), fullPage: true });
  });

  test('a page opened later gets the current state at once from the retained message', async () => {
    const page = await open();
    await page.waitForSelector('.device[data-device="heater-2"][data-on="true"]');
    await page.waitForSelector('.device[data-device="heater-3"][data-on="false"]');
  });

  test('on a server without MQTT the page says how to turn it on', async () => {
    const plain = createServer({ ...demoServerOptions(), port: 0, host: '127.0.0.1', staticDir: outDir });
    const { port } = await plain.listen();
    try {
      const page = await open(`http://127.0.0.1:${port}`);
      await page.waitForSelector('body[data-mqtt="off"]');
      assert.match((await page.textContent('#devices-note')) ?? '', /volley serve --mqtt/);
      await page.screenshot({ path: join(ARTIFACTS, 'web-devices-no-mqtt.png'), fullPage: true });
    } finally {
      await plain.close();
    }
  });
});

async function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
