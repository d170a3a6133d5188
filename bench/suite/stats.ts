// Medians, spreads and ratios over the interleaved repetitions of one scenario.

import type { ScenarioName } from '../../src/cli/bench/ipc.js';
import type { RunRecord } from './measure.js';
import type { ServerName, SuiteScenario } from './scenarios.js';

export interface ServerStats {
  /** Runs that produced a figure. */
  n: number;
  runs: number;
  median: number | null;
  min: number | null;
  max: number | null;
  /** Median CPU over the runs, % of one core. */
  clientCpu: number | null;
  serverCpu: number | null;
  othersCpu: number | null;
  /** Problems and flags: how many runs had each. */
  flags: Record<string, number>;
  /** Median over ws's median in the same suite run. */
  ratio: number | null;
}

export interface ScenarioResult {
  name: string;
  title: string;
  unit: string;
  better: 'higher' | 'lower';
  target: number;
  kind: ScenarioName;
  /** The load as `volley bench` flags. */
  load: string[];
  runs: RunRecord[];
  stats: Partial<Record<ServerName, ServerStats>>;
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function numbers(xs: Array<number | null>): number[] {
  return xs.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

export function scenarioResult(scenario: SuiteScenario, servers: ServerName[], runs: RunRecord[]): ScenarioResult {
  const stats: ScenarioResult['stats'] = {};
  for (const name of servers) {
    const mine = runs.filter((r) => r.server === name);
    const values = numbers(mine.map((r) => r.value));
    const flags: Record<string, number> = {};
    for (const r of mine) {
      for (const p of new Set(r.problems.map((p) => p.replace(/=.*/, '').replace(/^\d+ x .*/, 'errors')))) flags[p] = (flags[p] ?? 0) + 1;
    }
    stats[name] = {
      n: values.length,
      runs: mine.length,
      median: median(values),
      min: values.length ? Math.min(...values) : null,
      max: values.length ? Math.max(...values) : null,
      clientCpu: median(numbers(mine.map((r) => r.clientCpu))),
      serverCpu: median(numbers(mine.map((r) => r.serverCpu))),
      othersCpu: median(numbers(mine.map((r) => r.othersCpu))),
      flags,
      ratio: null,
    };
  }
  const base = stats.ws?.median;
  for (const s of Object.values(stats)) s.ratio = base && s.median !== null ? s.median / base : null;
  const { name, title, unit, better, target, kind } = scenario;
  return { name, title, unit, better, target, kind, load: ['--scenario', kind, ...scenario.load], runs, stats };
}

/** Whether Volley's ratio meets the scenario's target. */
export function meetsTarget(result: ScenarioResult): boolean | null {
  const r = result.stats.volley?.ratio;
  if (r === null || r === undefined) return null;
  return result.better === 'higher' ? r >= result.target : r <= result.target;
}
