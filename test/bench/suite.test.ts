// The whole `npm run bench` pipeline at a tiny size: peer servers started and stopped, the
// load from volley bench's workers, figures per server, ratios, the table, the JSON and
// Markdown reports. No timing is asserted: only that every stage produced its output.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { buildOnce, finished, killAll, spawnNode, type CliResult } from '../cli/helpers.js';
import type { SuiteResults } from '../../bench/suite/render.js';

const RUN_TS = 'bench/run.ts';
/** Every kind of stage once: echo on all three servers, a broadcast, server memory, the hub fan-out script. */
const SCENARIOS = ['echo-64', 'broadcast-1k', 'idle-10k', 'hub-fanout'];

function mosquittoUp(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 1883 }, () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

function bench(args: string[]): Promise<CliResult> {
  // node --import tsx bench/run.ts ARGS: what npm run bench runs, without tsx's own wrapper process.
  return finished(spawnNode('--import', ['tsx', RUN_TS, ...args]));
}

describe('npm run bench', () => {
  let out: string;
  before(async () => {
    await buildOnce(); // the volley server imports volley/ws from dist/
    out = mkdtempSync(join(tmpdir(), 'volley-bench-'));
  });
  after(() => {
    killAll();
    rmSync(out, { recursive: true, force: true });
  });

  test('--tiny runs the pipeline end to end and writes the reports', { timeout: 180_000 }, async () => {
    const result = await bench(['--tiny', '--no-build', '--out', out, '--scenario', SCENARIOS.join(',')]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);

    // The table at the end: one row per scenario and server, a ratio against ws.
    const table = result.stdout.slice(result.stdout.indexOf('scenario  '));
    assert.match(table, /^scenario +server +median +min–max +x ws +target +loadgen +server +others +flags$/m);
    for (const [scenario, servers] of [['echo-64', ['volley', 'ws', 'net']], ['broadcast-1k', ['volley', 'ws']], ['idle-10k', ['volley', 'ws', 'net']]] as const) {
      for (const server of servers) assert.match(table, new RegExp(`^${scenario} +${server} +[\\d,.]+ `, 'm'), `${scenario} ${server} in:\n${table}`);
    }
    assert.match(table, /^echo-64 +ws +[\d,.]+ msg\/s +\S+ +1\.00x/m);
    assert.match(result.stdout, /\| 20 \| hub \|/, 'the hub fan-out table');

    const files = readdirSync(out).sort();
    assert.deepEqual(files.filter((f) => f.startsWith('latest')), ['latest.json', 'latest.md']);
    assert.equal(files.filter((f) => /^results-.*\.json$/.test(f)).length, 1, files.join(' '));
    assert.equal(files.filter((f) => /^results-.*\.md$/.test(f)).length, 1, files.join(' '));

    const doc = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as SuiteResults;
    assert.equal(doc.options.size, 'tiny');
    assert.deepEqual(doc.scenarios.map((s) => s.name), SCENARIOS.slice(0, -1));
    for (const scenario of doc.scenarios) {
      for (const run of scenario.runs) {
        assert.ok(typeof run.value === 'number' && run.value > 0, `${scenario.name} ${run.server}: ${run.value} (${run.problems.join('; ')})`);
        assert.match(run.command, /^volley bench URL --scenario \w+ /);
        assert.equal(run.summary?.connectionsFailed, 0, `${scenario.name} ${run.server}`);
        if (scenario.kind !== 'idle') {
          // The load generator's CPU and the server's are measured in every throughput run.
          assert.ok(typeof run.clientCpu === 'number' && run.clientCpu > 0, `${scenario.name} ${run.server} loadgen CPU`);
          assert.ok(typeof run.serverCpu === 'number', `${scenario.name} ${run.server} server CPU`);
        }
      }
      assert.equal(scenario.stats.ws?.ratio, 1);
      assert.ok(typeof scenario.stats.volley?.ratio === 'number');
    }
    assert.match(doc.hubFanout?.table ?? '', /hub \/ raw/);

    const md = readFileSync(join(out, 'latest.md'), 'utf8');
    assert.match(md, /^## Results$/m);
    assert.match(md, /--tiny/, 'the report says the figures mean nothing');
    for (const scenario of doc.scenarios) assert.ok(md.includes(`| ${scenario.title}`), scenario.title);
    assert.equal(readFileSync(join(out, files.find((f) => f.endsWith('.md') && f !== 'latest.md')!), 'utf8'), md);
  });

  test('the mqtt-bridge scenario measures the bridge through the local Mosquitto', { timeout: 120_000 }, async (t) => {
    if (!(await mosquittoUp()) && process.env.CI !== 'true') {
      t.skip('no MQTT broker on 127.0.0.1:1883 (Mosquitto)');
      return;
    }
    const result = await bench(['--tiny', '--no-build', '--out', out, '--scenario', 'mqtt-bridge']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const doc = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as SuiteResults;
    assert.match(doc.mqttBridge?.table ?? '', /latency +50 msgs at \d+\/s: p50 [\d.]+ ms, p99 [\d.]+ ms/);
    assert.match(doc.mqttBridge?.table ?? '', /throughput +200 msgs: [\d.]+ msgs\/s/);
    assert.match(readFileSync(join(out, 'latest.md'), 'utf8'), /^### MQTT bridge$/m);
  });

  test('the game-tick scenario measures tick jitter and delivery with bots', { timeout: 120_000 }, async () => {
    const result = await bench(['--tiny', '--no-build', '--out', out, '--scenario', 'game-tick']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const doc = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as SuiteResults;
    assert.match(doc.gameTick?.table ?? '', /10 bots \(10 joined\)/);
    assert.match(doc.gameTick?.table ?? '', /tick jitter +\d+ ticks: p50 [\d.]+ ms, p99 [\d.]+ ms/);
    assert.match(doc.gameTick?.table ?? '', /delivery +\d+ deltas: p50 \d+ ms, p99 \d+ ms/);
    assert.match(readFileSync(join(out, 'latest.md'), 'utf8'), /^### Game tick$/m);
  });

  test('the transport-fanout scenario measures fan-out over WebSocket, SSE and long-polling', { timeout: 120_000 }, async () => {
    const result = await bench(['--tiny', '--no-build', '--out', out, '--scenario', 'transport-fanout']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const doc = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as SuiteResults;
    for (const transport of ['websocket', 'sse', 'long-polling']) {
      assert.match(doc.transportFanout?.table ?? '', new RegExp(`\\| 20 \\| ${transport} \\| \\d+ \\|`), transport);
    }
    assert.match(readFileSync(join(out, 'latest.md'), 'utf8'), /^### Fan-out over the HTTP transports$/m);
  });

  test('--help explains the options; a bad option exits 2 naming it', async () => {
    const help = await bench(['--help']);
    assert.equal(help.code, 0);
    for (const flag of ['--quick', '--tiny', '--reps', '--duration', '--warmup', '--scenario', '--servers', '--workers', '--no-build', '--out']) {
      assert.ok(help.stdout.includes(flag), flag);
    }
    const bad = await bench(['--reps', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--reps/);
    const unknown = await bench(['--scenario', 'storm', '--no-build']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no scenario "storm"/);
  });
});
