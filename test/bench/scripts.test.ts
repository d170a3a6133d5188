// The scenarios npm run bench runs as scripts of their own, at a tiny size: the MQTT bridge
// (through the local Mosquitto) and the Game demo's ticks with bots. No timing is asserted.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mosquittoSkipReason } from '../bridges/mqtt/helpers.js';
import { bench, benchOutDir, newest } from './helpers.js';

describe('npm run bench: the script scenarios', () => {
  const out = benchOutDir({ build: true });

  test('the mqtt-bridge scenario measures the bridge through the local Mosquitto', { timeout: 120_000 }, async (t) => {
    const mosquittoSkip = await mosquittoSkipReason();
    if (mosquittoSkip !== undefined) {
      t.skip(mosquittoSkip);
      return;
    }
    const result = await bench(['--tiny', '--no-build', '--no-install', '--servers', 'volley', '--out', out(), '--scenario', 'mqtt-bridge']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const { doc } = newest(out());
    assert.match(doc.mqttBridge?.table ?? '', /latency +50 msgs at \d+\/s: p50 [\d.]+ ms, p99 [\d.]+ ms/);
    assert.match(doc.mqttBridge?.table ?? '', /throughput +200 msgs: [\d.]+ msgs\/s/);
    assert.match(newest(out()).md, /^### MQTT bridge$/m);
  });

  test('the transport-fanout scenario measures fan-out over WebSocket, SSE and long-polling', { timeout: 120_000 }, async () => {
    const result = await bench(['--tiny', '--no-build', '--no-install', '--out', out(), '--scenario', 'transport-fanout']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const { doc, md } = newest(out());
    for (const transport of ['websocket', 'sse', 'long-polling']) {
      assert.match(doc.transportFanout?.table ?? '', new RegExp(`\\| 20 \\| ${transport} \\| \\d+ \\|`), transport);
    }
    assert.match(md, /^### Fan-out over the HTTP transports$/m);
  });

  test('the game-tick scenario measures tick jitter and delivery with bots', { timeout: 120_000 }, async () => {
    const result = await bench(['--tiny', '--no-build', '--no-install', '--servers', 'volley', '--out', out(), '--scenario', 'game-tick']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const { doc } = newest(out());
    assert.match(doc.gameTick?.table ?? '', /10 bots \(10 joined\)/);
    assert.match(doc.gameTick?.table ?? '', /tick jitter +\d+ ticks: p50 [\d.]+ ms, p99 [\d.]+ ms/);
    assert.match(doc.gameTick?.table ?? '', /delivery +\d+ deltas: p50 \d+ ms, p99 \d+ ms/);
    assert.match(newest(out()).md, /^### Game tick$/m);
  });
});
