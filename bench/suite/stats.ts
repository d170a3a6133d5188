// Medians, spreads and ratios over the interleaved repetitions of one scenario.

import type { RunRecord } from './measure.js';
import type { SuiteScenario, Target } from './scenarios.js';
import type { ServerName } from './servers.js';

export interface ServerStats {
  /** Runs that produced a figure. */
  n: number;
  runs: number;
  median: number | null;
  min: number | null;
  max: number | null;
  /** Median of the figure per second of server CPU (throughput scenarios), and its ratio to the baseline's. */
  perCpuSecond: number | null;
  perCpuRatio: number | null;
  /** Medians over the runs of the latency p50 (µs) and the wire bytes per delivery, when measured. */
  p50Us: number | null;
  wireBytes: number | null;
  /** Median CPU over the runs, % of one core. */
  clientCpu: number | null;
  serverCpu: number | null;
  othersCpu: number | null;
  /** Problems and flags: how many runs had each. */
  flags: Record<string, number>;
  /** Median over the baseline's median in the same suite run. */
  ratio: number | null;
}

export interface ScenarioResult {
  name: string;
  title: string;
  group: SuiteScenario['group'];
  unit: string;
  better: 'higher' | 'lower';
  baseline: ServerName;
  subject: ServerName;
  target: Target | null;
  idle: boolean;
  /** The load generator of this scenario's runs: 'go' or 'node'. */
  loadgen: 'go' | 'node';
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

export function scenarioResult(scenario: SuiteScenario, servers: ServerName[], runs: RunRecord[], loadgen: 'go' | 'node'): ScenarioResult {
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
      perCpuSecond: median(numbers(mine.map((r) => r.perCpuSecond))),
      perCpuRatio: null,
      p50Us: median(numbers(mine.map((r) => r.p50Us))),
      wireBytes: median(numbers(mine.map((r) => r.wireBytes))),
      clientCpu: median(numbers(mine.map((r) => r.clientCpu))),
      serverCpu: median(numbers(mine.map((r) => r.serverCpu))),
      othersCpu: median(numbers(mine.map((r) => r.othersCpu))),
      flags,
      ratio: null,
    };
  }
  const base = stats[scenario.baseline]?.median;
  const baseCpu = stats[scenario.baseline]?.perCpuSecond;
  for (const s of Object.values(stats)) {
    s.ratio = base && s.median !== null ? s.median / base : null;
    s.perCpuRatio = baseCpu && s.perCpuSecond !== null ? s.perCpuSecond / baseCpu : null;
  }
  const { name, title, group, unit, better, baseline, subject, target, idle } = scenario;
  return { name, title, group, unit, better, baseline, subject, target, idle, loadgen, runs, stats };
}

/** The subject's median over the target server's: the ratio the target is about. */
export function targetRatio(result: ScenarioResult): number | null {
  if (!result.target) return null;
  const a = result.stats[result.subject]?.median;
  const b = result.stats[result.target.of]?.median;
  return a !== null && a !== undefined && b ? a / b : null;
}

/** The same ratio per second of server CPU (throughput scenarios only). */
export function targetCpuRatio(result: ScenarioResult): number | null {
  if (!result.target) return null;
  const a = result.stats[result.subject]?.perCpuSecond;
  const b = result.stats[result.target.of]?.perCpuSecond;
  return a !== null && a !== undefined && b ? a / b : null;
}

/** Whether the subject's ratio meets the scenario's target; null when it was not measured. */
export function meetsTarget(result: ScenarioResult): boolean | null {
  const r = targetRatio(result);
  if (r === null || !result.target) return null;
  return result.better === 'higher' ? r >= result.target.ratio : r <= result.target.ratio;
}
