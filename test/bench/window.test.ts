// The measured window of each scenario's load: --duration, and five times that for the
// latency runs at a fixed rate (40 publications in 2 s would make a p99 of one or two).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { goArgs, nodeArgs } from '../../bench/suite/measure.js';
import { parseSuiteArgs } from '../../bench/suite/options.js';
import { suiteScenarios } from '../../bench/suite/scenarios.js';

const options = parseSuiteArgs(['--duration', '2', '--warmup', '1'], '/tmp/unused')!;
const scenario = (name: string) => suiteScenarios('full').find((s) => s.name === name)!;
const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];

describe('the measured window', () => {
  test('throughput runs measure --duration', () => {
    assert.equal(flag(goArgs(scenario('echo-64'), 'volley', options), '-d'), '2s');
    assert.equal(flag(goArgs(scenario('hub-fanout-1k'), 'volley-hub', options), '-d'), '2s');
  });

  test('the fixed-rate latency runs measure five times longer, with the Go load and the Node fallback', () => {
    for (const [name, server] of [['broadcast-p99', 'volley'], ['hub-latency', 'volley-hub'], ['cluster-latency', 'volley-hub-redis']] as const) {
      const args = goArgs(scenario(name), server, options);
      assert.equal(flag(args, '-d'), '10s', name);
      assert.equal(flag(args, '-warmup'), '1s', name);
    }
    assert.equal(flag(nodeArgs(scenario('broadcast-p99'), 'ws://127.0.0.1:1', options), '--duration'), '10');
    assert.equal(flag(nodeArgs(scenario('echo-p99'), 'ws://127.0.0.1:1', options), '--duration'), '2');
  });

  test('--quick and --tiny keep --duration everywhere: they prove the tool works', () => {
    for (const flagName of ['--quick', '--tiny']) {
      const short = parseSuiteArgs([flagName], '/tmp/unused')!;
      assert.equal(flag(goArgs(scenario('hub-latency'), 'volley-hub', short), '-d'), `${short.durationSeconds}s`, flagName);
    }
  });
});
