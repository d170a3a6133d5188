// The whole `npm run bench` pipeline at a tiny size: peer servers started and stopped, the
// load (volley bench's Node workers, then the Go load generator when Go is installed), figures
// per server, ratios, the table, the JSON and Markdown reports. No timing is asserted: only
// that every stage produced its output. The Go and peer parts skip with a line when Go or
// bench/peers are missing outside CI (.ci/run installs golang-go; npm run bench installs the peers).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { buildOnce, finished, killAll, ROOT, spawnNode, type CliResult } from '../cli/helpers.js';
import type { SuiteResults } from '../../bench/suite/render.js';

const RUN_TS = 'bench/run.ts';
/** Every kind of stage once: echo on all three servers, a broadcast, server memory, the hub fan-out script. */
const SCENARIOS = ['echo-64', 'broadcast-1k-4', 'idle-10k', 'hub-fanout'];
const CI = process.env.CI === 'true';
const hasGo = spawnSync('go', ['version']).status === 0;
const peersInstalled = existsSync(join(ROOT, 'bench/peers/node_modules/socket.io/package.json')) && existsSync(join(ROOT, 'bench/peers/node_modules/uwebsockets/package.json'));

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

function latest(out: string): SuiteResults {
  return JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as SuiteResults;
}

/** Every run of every scenario produced its figure and the CPU of both sides. */
function assertFigures(doc: SuiteResults): void {
  for (const scenario of doc.scenarios) {
    for (const run of scenario.runs) {
      assert.ok(typeof run.value === 'number' && run.value > 0, `${scenario.name} ${run.server}: ${run.value} (${run.problems.join('; ')})`);
      if (!scenario.idle) {
        assert.ok(typeof run.clientCpu === 'number' && run.clientCpu > 0, `${scenario.name} ${run.server} loadgen CPU`);
        assert.ok(typeof run.serverCpu === 'number', `${scenario.name} ${run.server} server CPU`);
      }
    }
    const base = scenario.stats[scenario.baseline];
    if (base) assert.equal(base.ratio, 1, `${scenario.name}: ratio of the baseline`);
  }
}

describe('npm run bench', () => {
  let out: string;
  before(async () => {
    await buildOnce(); // the volley servers import volley and volley/ws from dist/
    out = mkdtempSync(join(tmpdir(), 'volley-bench-'));
  });
  after(() => {
    killAll();
    rmSync(out, { recursive: true, force: true });
  });

  test('--tiny with the Node load generator runs the pipeline end to end and writes the reports', { timeout: 180_000 }, async () => {
    const result = await bench(['--tiny', '--no-build', '--no-install', '--loadgen', 'node', '--servers', 'volley,ws,net', '--out', out, '--scenario', SCENARIOS.join(',')]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);

    // The table at the end: one row per scenario and server, a ratio against ws.
    const table = result.stdout.slice(result.stdout.indexOf('scenario  '));
    assert.match(table, /^scenario +server +median +min–max +ratio +per CPU-s +p50 +B\/delivery +loadgen +server +others +flags$/m);
    for (const [scenario, servers] of [['echo-64', ['volley', 'ws', 'net']], ['broadcast-1k-4', ['volley', 'ws']], ['idle-10k', ['volley', 'ws', 'net']]] as const) {
      for (const server of servers) assert.match(table, new RegExp(`^${scenario} +${server} +[\\d,.]+ `, 'm'), `${scenario} ${server} in:\n${table}`);
    }
    assert.match(table, /^echo-64 +ws +[\d,.]+ msg\/s +\S+ +1\.00x ws/m);
    assert.match(table, /^target +server +measured +per CPU-s +target +met$/m);
    assert.match(result.stdout, /\| 20 \| hub \|/, 'the hub fan-out table');

    const files = readdirSync(out).sort();
    assert.deepEqual(files.filter((f) => f.startsWith('latest')), ['latest.json', 'latest.md']);
    assert.equal(files.filter((f) => /^results-.*\.json$/.test(f)).length, 1, files.join(' '));
    assert.equal(files.filter((f) => /^results-.*\.md$/.test(f)).length, 1, files.join(' '));

    const doc = latest(out);
    assert.equal(doc.options.size, 'tiny');
    assert.equal(doc.options.loadgen, 'node');
    assert.deepEqual(doc.scenarios.map((s) => s.name), SCENARIOS.slice(0, -1));
    assertFigures(doc);
    for (const scenario of doc.scenarios) {
      for (const run of scenario.runs) assert.match(run.command, /^volley bench URL --scenario \w+ /);
      assert.ok(typeof scenario.stats.volley?.ratio === 'number');
    }
    assert.match(doc.hubFanout?.table ?? '', /hub \/ raw/);
    assert.ok(doc.machine.peers.ws, 'the ws version');

    const md = readFileSync(join(out, 'latest.md'), 'utf8');
    assert.match(md, /^## Socket layer \(ratios to ws\)$/m);
    assert.match(md, /^## Targets \(issue 17\)$/m);
    assert.match(md, /--tiny/, 'the report says the figures mean nothing');
    for (const scenario of doc.scenarios) assert.ok(md.includes(`**${scenario.name}**: ${scenario.title}`), scenario.title);
    assert.equal(readFileSync(join(out, files.find((f) => f.endsWith('.md') && f !== 'latest.md')!), 'utf8'), md);
  });

  test('the Go load generator: its unit tests, then raw WebSocket, the hub protocol and the headroom line', { timeout: 300_000 }, async (t) => {
    if (!hasGo && !CI) {
      t.skip('Go is not installed (apt-get install -y golang-go): the Node load generator part above still ran');
      return;
    }
    const unit = spawnSync('go', ['test', './...'], { cwd: join(ROOT, 'bench/loadgen'), encoding: 'utf8' });
    assert.equal(unit.status, 0, `go test:\n${unit.stdout}${unit.stderr}`);

    const scenarios = ['echo-64', 'broadcast-1k-16', 'connect', 'hub-fanout-1k', 'hub-idle-10k'];
    const result = await bench(['--tiny', '--no-build', '--no-install', '--servers', 'volley,ws,net,volley-hub', '--out', out, '--scenario', scenarios.join(',')]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const doc = latest(out);
    assert.equal(doc.options.loadgen, 'go');
    assert.match(doc.machine.go ?? '', /^go\d/);
    assert.deepEqual(doc.scenarios.map((s) => s.name), scenarios);
    assertFigures(doc);
    for (const scenario of doc.scenarios) {
      for (const run of scenario.runs) assert.match(run.command, /^bench\/bin\/loadgen -mode \w+ .* -proto (ws|volley) .*-addr ADDR -pid PID$/);
    }
    // The hub's deliveries are volley.v1 pushes: the payload plus the envelope, measured on the wire.
    const hub = doc.scenarios.find((s) => s.name === 'hub-fanout-1k')!.stats['volley-hub']!;
    assert.ok(hub.wireBytes !== null && hub.wireBytes > 64, `hub wire bytes ${hub.wireBytes}`);
    const md = readFileSync(join(out, 'latest.md'), 'utf8');
    assert.match(md, /^## Hub \(ratios to Socket\.IO default\)$/m);
    assert.match(md, /^echo-64: the load generator drove the `node:net` floor at [\d,]+ msg\/s/m);
  });

  test('the peers: ws with bufferutil, uWebSockets.js, Socket.IO on its engine and on uWS', { timeout: 300_000 }, async (t) => {
    if ((!hasGo || !peersInstalled) && !CI) {
      t.skip(`${hasGo ? '' : 'Go is not installed; '}${peersInstalled ? '' : 'the peers are not installed (npm install --prefix bench/peers)'}`);
      return;
    }
    const scenarios = ['echo-64', 'broadcast-1k-16', 'hub-fanout-1k'];
    const result = await bench(['--tiny', '--no-build', '--servers', 'ws,ws-bufferutil,uws,socketio,socketio-uws', '--out', out, '--scenario', scenarios.join(',')]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const doc = latest(out);
    assertFigures(doc);
    assert.deepEqual(Object.keys(doc.scenarios.find((s) => s.name === 'echo-64')!.stats), ['ws', 'ws-bufferutil', 'uws']);
    assert.deepEqual(Object.keys(doc.scenarios.find((s) => s.name === 'hub-fanout-1k')!.stats), ['socketio', 'socketio-uws']);
    for (const name of ['socket.io', 'uwebsockets', 'bufferutil']) assert.ok(doc.machine.peers[name], name);
  });

  test('the mqtt-bridge scenario measures the bridge through the local Mosquitto', { timeout: 120_000 }, async (t) => {
    if (!(await mosquittoUp()) && process.env.CI !== 'true') {
      t.skip('no MQTT broker on 127.0.0.1:1883 (Mosquitto)');
      return;
    }
    const result = await bench(['--tiny', '--no-build', '--no-install', '--servers', 'volley', '--out', out, '--scenario', 'mqtt-bridge']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const doc = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as SuiteResults;
    assert.match(doc.mqttBridge?.table ?? '', /latency +50 msgs at \d+\/s: p50 [\d.]+ ms, p99 [\d.]+ ms/);
    assert.match(doc.mqttBridge?.table ?? '', /throughput +200 msgs: [\d.]+ msgs\/s/);
    assert.match(readFileSync(join(out, 'latest.md'), 'utf8'), /^### MQTT bridge$/m);
  });

  test('the game-tick scenario measures tick jitter and delivery with bots', { timeout: 120_000 }, async () => {
    const result = await bench(['--tiny', '--no-build', '--no-install', '--servers', 'volley', '--out', out, '--scenario', 'game-tick']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const doc = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as SuiteResults;
    assert.match(doc.gameTick?.table ?? '', /10 bots \(10 joined\)/);
    assert.match(doc.gameTick?.table ?? '', /tick jitter +\d+ ticks: p50 [\d.]+ ms, p99 [\d.]+ ms/);
    assert.match(doc.gameTick?.table ?? '', /delivery +\d+ deltas: p50 \d+ ms, p99 \d+ ms/);
    assert.match(readFileSync(join(out, 'latest.md'), 'utf8'), /^### Game tick$/m);
  });

  test('--help explains the options; a bad option exits 2 naming it', async () => {
    const help = await bench(['--help']);
    assert.equal(help.code, 0);
    for (const flag of ['--quick', '--tiny', '--reps', '--duration', '--warmup', '--scenario', '--servers', '--loadgen', '--profile', '--workers', '--no-build', '--no-install', '--out']) {
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
