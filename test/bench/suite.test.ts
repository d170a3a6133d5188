// The whole `npm run bench` pipeline at a tiny size with the Node load generator (volley
// bench's workers: no Go, no peers needed): servers started and stopped, figures per server,
// ratios, the table, the JSON and Markdown reports. No timing is asserted: only that every
// stage produced its output. The Go load generator, the peers and the scripts have files of
// their own (each test file has two minutes).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { assertFigures, bench, benchOutDir, newest } from './helpers.js';

/** Every kind of stage once: echo and a broadcast on all three servers (net, the floor, broadcasts too), server memory, the hub fan-out script. */
const SCENARIOS = ['echo-64', 'broadcast-1k-4', 'idle-10k', 'hub-fanout'];

describe('npm run bench', () => {
  const out = benchOutDir({ build: true });

  test('--tiny with the Node load generator runs the pipeline end to end and writes the reports', { timeout: 180_000 }, async () => {
    const result = await bench(['--tiny', '--no-build', '--no-install', '--loadgen', 'node', '--servers', 'volley,ws,net', '--out', out(), '--scenario', SCENARIOS.join(',')]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);

    // The table at the end: one row per scenario and server, a ratio against ws.
    const table = result.stdout.slice(result.stdout.indexOf('scenario  '));
    assert.match(table, /^scenario +server +median +min–max +ratio +per CPU-s +p50 +B\/delivery +loadgen +server +others +flags$/m);
    for (const [scenario, servers] of [['echo-64', ['volley', 'ws', 'net']], ['broadcast-1k-4', ['volley', 'ws', 'net']], ['idle-10k', ['volley', 'ws', 'net']]] as const) {
      for (const server of servers) assert.match(table, new RegExp(`^${scenario} +${server} +[\\d,.]+ `, 'm'), `${scenario} ${server} in:\n${table}`);
    }
    assert.match(table, /^echo-64 +ws +[\d,.]+ msg\/s +\S+ +1\.00x ws/m);
    assert.match(table, /^target +server +measured +per CPU-s +target +met$/m);
    assert.match(result.stdout, /\| 20 \| hub \|/, 'the hub fan-out table');

    // DATE.json and DATE.md, named for the size.
    const files = readdirSync(out()).sort();
    assert.equal(files.filter((f) => /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-tiny\.json$/.test(f)).length, 1, files.join(' '));
    assert.equal(files.filter((f) => /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-tiny\.md$/.test(f)).length, 1, files.join(' '));

    const { doc, md } = newest(out());
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

    assert.match(md, /^## Socket layer \(ratios to ws\)$/m);
    assert.match(md, /^## Targets \(issue 17\)$/m);
    assert.match(md, /--tiny/, 'the report says the figures mean nothing');
    for (const scenario of doc.scenarios) assert.ok(md.includes(`**${scenario.name}**: ${scenario.title}`), scenario.title);
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
