// npm run bench's wss:// and permessage-deflate scenarios and the net-raw floor, with the Go
// load generator at a tiny size against volley and ws (uWS over both: peers.test.ts): the
// load's -tls, -deflate and -masked, and the report's headroom line and its table of what
// TLS and compression cost each server. Skipped with a line when Go is missing outside CI.
// No timing is asserted.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertFigures, bench, benchOutDir, goSkipReason, newest } from './helpers.js';

describe('npm run bench: wss://, permessage-deflate and the net-raw floor', () => {
  const out = benchOutDir({ build: true });

  test('echo over wss://, broadcast with permessage-deflate, echo against net-raw and the headroom line', { timeout: 120_000, skip: goSkipReason }, async () => {
    const scenarios = ['echo-64', 'echo-64-wss', 'broadcast-1k-16-deflate'];
    const result = await bench(['--tiny', '--no-build', '--no-install', '--servers', 'volley,ws,net-raw', '--out', out(), '--scenario', scenarios.join(',')]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const { doc, md } = newest(out());
    assert.deepEqual(doc.scenarios.map((s) => s.name), scenarios);
    assertFigures(doc);

    // net-raw (echo only) returns the client's masked frames: the load accepts them with -masked.
    const [echo, wss, deflate] = doc.scenarios;
    assert.deepEqual(Object.keys(echo!.stats), ['volley', 'ws', 'net-raw']);
    assert.match(echo!.runs.find((r) => r.server === 'net-raw')!.command, / -masked -proto ws /);
    // The same loads over TLS, and with deflate and JSON-like text, on the servers that speak them.
    assert.deepEqual(Object.keys(wss!.stats), ['volley', 'ws']);
    assert.match(wss!.runs[0]!.command, / -tls -proto ws /);
    assert.deepEqual(Object.keys(deflate!.stats), ['volley', 'ws']);
    assert.match(deflate!.runs[0]!.command, / -deflate -payload json -proto ws /);
    assert.ok(deflate!.stats.volley!.wireBytes !== null, 'wire bytes of compressed deliveries');

    assert.match(result.stdout, /^load generator headroom \(issue 17: ≥ 1\.5x\): echo-64 against net-raw [\d,]+ msg\/s = [\d.]+x Volley's best echo-64 run/m);
    assert.match(md, /^\*\*Load generator headroom\*\* \(issue 17: ≥ 1\.5x\): echo-64 against net-raw [\d,]+ msg\/s/m);
    assert.match(md, /^\| echo-64-wss \/ echo-64 \| [\d.]+ /m, 'what TLS costs each server');
    assert.match(md, /^## What wss:\/\/ and permessage-deflate cost$/m);
  });
});
