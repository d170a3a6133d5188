// npm run bench with the Go load generator (bench/loadgen) at a tiny size: its own unit
// tests (go test), raw WebSocket against volley, ws and net, the volley.v1 hub protocol, and
// the report's headroom line. Skipped with a line when Go is missing outside CI (.ci/run
// installs golang-go). The cluster rows are in cluster.test.ts. No timing is asserted.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../cli/helpers.js';
import { assertFigures, bench, benchOutDir, goSkipReason, newest } from './helpers.js';

describe('npm run bench: the Go load generator', () => {
  const out = benchOutDir({ build: true });

  test('the Go load generator: its unit tests, then raw WebSocket, the hub protocol and the headroom line', { timeout: 300_000, skip: goSkipReason && `${goSkipReason}: the Node load generator part above still ran` }, async () => {
    const unit = spawnSync('go', ['test', './...'], { cwd: join(ROOT, 'bench/loadgen'), encoding: 'utf8' });
    assert.equal(unit.status, 0, `go test:\n${unit.stdout}${unit.stderr}`);

    const scenarios = ['echo-64', 'broadcast-1k-16', 'connect', 'hub-fanout-1k', 'hub-idle-10k'];
    const result = await bench(['--tiny', '--no-build', '--no-install', '--servers', 'volley,ws,net,volley-hub', '--out', out(), '--scenario', scenarios.join(',')]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const { doc, md } = newest(out());
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
    assert.match(md, /^## Hub \(ratios to Socket\.IO default\)$/m);
    assert.match(md, /^echo-64: the load generator drove the `node:net` floor at [\d,]+ msg\/s/m);
  });
});
