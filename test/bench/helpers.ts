// Shared by the test/bench files: run `npm run bench` as a child, read its newest report,
// check that every run produced its figures.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished, ROOT, spawnNode, type CliResult } from '../cli/helpers.js';
import type { SuiteResults } from '../../bench/suite/render.js';

export const CI = process.env.CI === 'true';
export const hasGo = spawnSync('go', ['version']).status === 0;
export const peersInstalled = ['socket.io', 'uwebsockets', 'bufferutil'].every((p) => existsSync(join(ROOT, 'bench/peers/node_modules', p, 'package.json')));

export function bench(args: string[]): Promise<CliResult> {
  // node --import tsx bench/run.ts ARGS: what npm run bench runs, without tsx's own wrapper process.
  return finished(spawnNode('--import', ['tsx', 'bench/run.ts', ...args]));
}

/** The newest --tiny run's report in `out`: its JSON and its Markdown. */
export function newest(out: string): { doc: SuiteResults; md: string } {
  const json = readdirSync(out).filter((f) => f.endsWith('-tiny.json')).sort().pop()!;
  return { doc: JSON.parse(readFileSync(join(out, json), 'utf8')) as SuiteResults, md: readFileSync(join(out, json.replace(/json$/, 'md')), 'utf8') };
}

/** Every run of every scenario produced its figure and the CPU of both sides. */
export function assertFigures(doc: SuiteResults): void {
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
