// The report's load generator headroom line, from made-up echo-64 runs: the raw ratio, the
// ratio per second of CPU, and what bounded the figure when the target was not met.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { headroomLine } from '../../bench/suite/render.js';
import { scenarioResult } from '../../bench/suite/stats.js';
import { suiteScenarios } from '../../bench/suite/scenarios.js';
import type { RunRecord } from '../../bench/suite/measure.js';
import type { ServerName } from '../../bench/suite/servers.js';

function run(server: ServerName, value: number, clientCpu: number, serverCpu: number): RunRecord {
  return {
    server, rep: 0, value, perCpuSecond: value / (serverCpu / 100), p50Us: null, wireBytes: null, clientCpu, serverCpu, othersCpu: 0,
    serverRss: null, busyBefore: 0, problems: [], wallSeconds: 1, command: '',
  };
}

function echo64(runs: RunRecord[], name = 'echo-64') {
  const scenario = suiteScenarios('full').find((s) => s.name === name)!;
  return [scenarioResult(scenario, ['volley', 'net-raw'], runs, 'go')];
}

describe('the load generator headroom line', () => {
  test('short of 1.5x with net-raw at its whole core: the floor bound the figure; the per-CPU ratio is stated on its own', () => {
    const line = headroomLine(echo64([run('volley', 500_000, 60, 100), run('net-raw', 700_000, 70, 99)]))!;
    assert.match(line, /echo-64 against net-raw 700,000 msg\/s = 1\.40x Volley's best echo-64 run \(500,000 msg\/s, median 500,000\): NOT met/);
    assert.match(line, /net-raw itself was at 99% of its core \(median\): the floor, not the load generator, bounded that figure/);
    // 700,000 per 0.7 s of load CPU = 1,000,000; Volley 500,000 per server CPU-second: 2.00x.
    assert.match(line, /drove 1,000,000 echoes per second of its own CPU against net-raw, 2\.00x the most Volley answered per second of server CPU \(500,000\): met per CPU-second\./);
  });

  test('short of 1.5x with net-raw and the load generator both below their cores: the machine share bound it', () => {
    const line = headroomLine(echo64([run('volley', 500_000, 60, 100), run('net-raw', 600_000, 60, 70)]))!;
    assert.match(line, /NOT met; the load generator's CPU in those runs: 60% of its core \(median\), 60% at most, under 90% of its core: net-raw's share of the machine/);
    assert.doesNotMatch(line, /net-raw itself/);
  });

  test('1.5x met: no explanation of a bound', () => {
    const line = headroomLine(echo64([run('volley', 400_000, 50, 100), run('net-raw', 700_000, 90, 99)]))!;
    assert.match(line, /= 1\.75x Volley's best echo-64 run \(400,000 msg\/s, median 400,000\): met; /);
    assert.doesNotMatch(line, /bounded/);
  });

  test('with the deep window too: the best net-raw scenario over Volley\'s best run in either', () => {
    const line = headroomLine([
      ...echo64([run('volley', 500_000, 60, 100), run('net-raw', 700_000, 90, 99)]),
      ...echo64([run('volley', 1_400_000, 40, 100), run('net-raw', 3_000_000, 90, 99)], 'echo-64-deep'),
    ])!;
    assert.match(line, /echo-64-deep against net-raw 3,000,000 msg\/s = 2\.14x Volley's best echo-64 run \(1,400,000 msg\/s in echo-64-deep, median 1,400,000\): met; /);
    // Per CPU: 3,000,000 / 0.9 = 3,333,333 over Volley's best per server CPU-second in either (1,400,000).
    assert.match(line, /drove 3,333,333 echoes per second of its own CPU against net-raw, 2\.38x the most Volley answered per second of server CPU \(1,400,000\): met per CPU-second\./);
  });

  test('the deep window has no target of its own', () => {
    assert.equal(suiteScenarios('full').find((s) => s.name === 'echo-64-deep')!.target, null);
  });
});
