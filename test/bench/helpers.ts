// Shared by the test/bench files: run `npm run bench` as a child, read its newest report,
// check that every run produced its figures.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOnce, finished, killAll, ROOT, spawnNode, type CliResult } from '../cli/helpers.js';
import type { SuiteResults } from '../../bench/suite/render.js';

export const CI = process.env.CI === 'true';
export const hasGo = spawnSync('go', ['version']).status === 0;
/** Why a test that needs the Go load generator skips here; undefined with Go, and in CI (.ci/run installs golang-go), where it must run. */
export const goSkipReason = hasGo || CI ? undefined : 'Go is not installed (apt-get install -y golang-go)';
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

/**
 * For a describe block: a temporary directory for its bench reports, made before its tests
 * (after building dist/ when `build`: the volley servers import volley and volley/ws from
 * there) and removed after them, when every server and load generator child is killed.
 * Returns the directory's path (read it inside a test).
 */
export function benchOutDir({ build }: { build: boolean }): () => string {
  let out = '';
  before(async () => {
    if (build) await buildOnce();
    out = mkdtempSync(join(tmpdir(), 'volley-bench-'));
  });
  after(() => {
    killAll();
    rmSync(out, { recursive: true, force: true });
  });
  return () => out;
}
