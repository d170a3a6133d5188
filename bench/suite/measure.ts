// One run: a fresh server, the load (the Go load generator, or volley bench's Node workers
// as the fallback), and what the server process spent meanwhile.

import path from 'node:path';
import { parseBenchArgs } from '../../src/cli/bench/options.js';
import { HANDSHAKE_TIMEOUT_MS, planWorkers } from '../../src/cli/bench/plans.js';
import { probe } from '../../src/cli/bench/probe.js';
import { summarize } from '../../src/cli/bench/report.js';
import { BenchRun } from '../../src/cli/bench/runner.js';
import { runGo, type GoLoadgen } from './loadgen.js';
import { busyPercent, coreTimes, processCpuMs, processRss, type CoreTimes } from './machine.js';
import { FD_HEADROOM, openFileLimits, raiseOpenFiles } from './fds.js';
import type { SuiteOptions } from './options.js';
import type { LoadFigures, SuiteScenario } from './scenarios.js';
import { SERVERS, startServer, stopServer, type RunningServer, type ServerName } from './servers.js';

export interface RunRecord {
  server: ServerName;
  rep: number;
  value: number | null;
  /**
   * A throughput run's figure per second of the server's CPU time (value / server CPU share):
   * on a shared machine the server gets a varying share of its core, and this is what it did with it.
   */
  perCpuSecond: number | null;
  /** Latency p50 (µs) and wire bytes per delivery, when the load measured them. */
  p50Us: number | null;
  wireBytes: number | null;
  /** CPU, in % of one core, over the measured window: the load generator, the server, everything else. */
  clientCpu: number | null;
  serverCpu: number | null;
  othersCpu: number | null;
  serverRss: number | null;
  /** How busy the busiest core was just before the run, in %. */
  busyBefore: number;
  problems: string[];
  wallSeconds: number;
  /** The load's command line (ADDR for the server's address). */
  command: string;
  /** The scenario's extra figures from the load generator (SuiteScenario.extra), when it has any. */
  extra?: Record<string, number>;
}

const NO_FIGURES: LoadFigures = { perSecond: null, mbPerSecond: null, p50Us: null, p99Us: null, rssPerConnection: null, wireBytesPerDelivery: null };

/** The Go load generator's arguments for `scenario` against `server` (ADDR and PID when not given). */
export function goArgs(scenario: SuiteScenario, name: ServerName, o: SuiteOptions, addr = 'ADDR', pid = 'PID', second?: RunningServer): string[] {
  const timing = scenario.idle ? ['-hold', `${Math.max(1, o.durationSeconds)}s`] : ['-d', `${windowSeconds(scenario, o)}s`, '-warmup', `${o.warmupSeconds}s`];
  const node2 = SERVERS[name].cluster ? ['-addr2', second?.addr ?? 'ADDR2', '-pid2', second ? String(second.pid) : 'PID2'] : [];
  return [...scenario.go, ...(SERVERS[name].loadgen ?? []), '-proto', SERVERS[name].proto, ...timing, '-addr', addr, '-pid', pid, ...node2];
}

/** The Redis the cluster scenarios use: VOLLEY_BENCH_REDIS, else the local one. */
export const REDIS_URL = process.env.VOLLEY_BENCH_REDIS || 'redis://127.0.0.1:6379';
/** The NATS (with JetStream) the NATS cluster rows use: VOLLEY_BENCH_NATS, else the local one. */
export const NATS_URL = process.env.VOLLEY_BENCH_NATS || 'nats://127.0.0.1:4222';

async function loadGo(g: GoLoadgen, scenario: SuiteScenario, server: RunningServer, o: SuiteOptions, pinned: boolean, record: RunRecord, second?: RunningServer): Promise<void> {
  const args = goArgs(scenario, server.name, o, server.addr, String(server.pid), second);
  const r = await runGo(g, args, pinned, 5 * 60_000);
  const figures: LoadFigures = {
    perSecond: r.per_second ?? null, mbPerSecond: r.mb_per_second ?? null,
    p50Us: r.latency_us && r.latency_us.count > 0 ? r.latency_us.p50 : null, p99Us: r.latency_us && r.latency_us.count > 0 ? r.latency_us.p99 : null,
    rssPerConnection: r.rss_per_connection ?? null, wireBytesPerDelivery: r.wire_bytes_per_delivery ?? null, raw: r as Record<string, unknown>,
  };
  if (scenario.extra) {
    record.extra = {};
    for (const key of scenario.extra) {
      const v = (r as Record<string, unknown>)[key];
      if (typeof v === 'number' && Number.isFinite(v)) record.extra[key] = v;
    }
  }
  if (r.error) record.problems.push(r.error);
  else record.value = scenario.figure(figures);
  record.p50Us = figures.p50Us;
  record.wireBytes = figures.wireBytesPerDelivery;
  record.clientCpu = r.loadgen_cpu_pct ?? null;
  // A cluster's server CPU is both nodes' (up to 200%: they share the server core).
  record.serverCpu = r.server_cpu_pct === undefined ? null : r.server_cpu_pct + (r.server2_cpu_pct ?? 0);
  record.serverRss = r.server_rss ?? null;
  if (r.machine_cpu_pct !== undefined && record.clientCpu !== null && record.serverCpu !== null) {
    record.othersCpu = Math.max(0, r.machine_cpu_pct - record.clientCpu - record.serverCpu);
  }
  if (r.errors) record.problems.push(`errors=${r.errors}`);
  for (const message of (r.error_messages ?? []).slice(0, 2)) record.problems.push(`1 x ${message}`);
  if (!scenario.idle && record.clientCpu !== null && record.clientCpu > 90) record.problems.push('loadgen saturated');
}

interface Sample {
  at: number;
  serverCpuMs: number | null;
  cores: CoreTimes;
}

function sample(pid: number): Sample {
  return { at: performance.now(), serverCpuMs: processCpuMs(pid), cores: coreTimes() };
}

/** The measured window of a run of `scenario`: --duration, times the scenario's windowScale (not in --quick and --tiny, which prove the tool works). */
export function windowSeconds(scenario: SuiteScenario, o: SuiteOptions): number {
  return o.quick || o.size === 'tiny' ? o.durationSeconds : o.durationSeconds * (scenario.windowScale ?? 1);
}

/** The load of `scenario` as `volley bench` arguments against `url`. */
export function nodeArgs(scenario: SuiteScenario, url: string, o: SuiteOptions): string[] {
  const node = scenario.node!;
  return [url, '--scenario', node.kind, ...node.load, '--warmup', String(o.warmupSeconds), '--duration', String(windowSeconds(scenario, o)), '--workers', String(o.workers), '--json'];
}

/** The fallback: volley bench's worker processes. */
async function loadNode(scenario: SuiteScenario, server: RunningServer, o: SuiteOptions, record: RunRecord): Promise<void> {
  const options = parseBenchArgs(nodeArgs(scenario, server.url, o))!;
  const targets = options.scenario === 'broadcast' ? [options.subUrl, options.pubUrl] : [options.url];
  for (const url of targets) {
    const problem = await probe(url, HANDSHAKE_TIMEOUT_MS);
    if (problem !== null) throw new Error(`cannot reach ${url}: ${problem}`);
  }
  const rssBefore = processRss(server.pid);
  const plans = planWorkers(options);
  const run = new BenchRun(plans);
  // The workers open their window warmupMs after 'run' and close it durationMs later:
  // the server's side is sampled at the same two moments.
  let first: Sample | null = null;
  let last: Sample | null = null;
  let rssAtEnd: number | null = null;
  const timers: NodeJS.Timeout[] = [];
  const outcome = await run.run(() => {
    timers.push(setTimeout(() => (first = sample(server.pid)), options.warmupSeconds * 1000));
    timers.push(setTimeout(() => {
      last = sample(server.pid);
      rssAtEnd = processRss(server.pid);
    }, (options.warmupSeconds + options.durationSeconds) * 1000));
  });
  timers.forEach(clearTimeout);
  const summary = summarize(options, outcome);
  const growth = rssAtEnd !== null && rssBefore !== null ? rssAtEnd - rssBefore : null;
  const figures: LoadFigures = {
    ...NO_FIGURES, perSecond: summary.perSecond, mbPerSecond: summary.mbPerSecond,
    p50Us: summary.completed > 0 ? summary.latencyMs.p50 * 1000 : null, p99Us: summary.completed > 0 ? summary.latencyMs.p99 * 1000 : null,
    rssPerConnection: growth === null || summary.connectionsOk === 0 ? null : growth / summary.connectionsOk,
  };
  record.value = summary.connectionsOk > 0 || summary.completed > 0 ? scenario.figure(figures) : null;
  record.p50Us = figures.p50Us;
  record.serverRss = rssAtEnd;
  record.clientCpu = outcome.windowMs > 0 ? summary.clientCpuPercent : null;
  const a = first as Sample | null;
  const b = last as Sample | null;
  if (a && b && a.serverCpuMs !== null && b.serverCpuMs !== null && b.at > a.at) {
    record.serverCpu = (100 * (b.serverCpuMs - a.serverCpuMs)) / (b.at - a.at);
    const all = busyPercent(a.cores, b.cores);
    if (all !== null && record.clientCpu !== null) record.othersCpu = Math.max(0, all - record.clientCpu - record.serverCpu);
  }
  if (summary.errors > 0) record.problems.push(`errors=${summary.errors}`);
  if (summary.connectionsFailed > 0) record.problems.push(`failed connections=${summary.connectionsFailed}`);
  for (const { message, count } of summary.errorMessages.slice(0, 2)) record.problems.push(`${count} x ${message}`);
  if (!scenario.idle && record.clientCpu !== null && record.clientCpu / plans.length > 90) record.problems.push('loadgen saturated');
}

export async function measureRun(
  benchDir: string,
  scenario: SuiteScenario,
  name: ServerName,
  rep: number,
  o: SuiteOptions,
  pinned: boolean,
  busyBefore: number,
  go: GoLoadgen | null,
): Promise<RunRecord> {
  const started = Date.now();
  const command = go
    ? `${path.relative(path.dirname(benchDir), go.binary)} ${goArgs(scenario, name, o).join(' ')}`
    : `volley bench ${nodeArgs(scenario, 'URL', o).slice(0, -1).join(' ')}`;
  const record: RunRecord = {
    server: name, rep, value: null, perCpuSecond: null, p50Us: null, wireBytes: null, clientCpu: null, serverCpu: null, othersCpu: null, serverRss: null,
    busyBefore, problems: [], wallSeconds: 0, command,
  };
  let server: RunningServer | undefined;
  let second: RunningServer | undefined;
  try {
    const cluster = SERVERS[name].cluster;
    // Two nodes on one engine, under a key of this run's own (other sessions share the Redis).
    const engineUrl = SERVERS[name].engine === 'nats' ? NATS_URL : REDIS_URL;
    const env = { ...(cluster ? cluster(engineUrl, `bench-${process.pid}-${Date.now().toString(36)}`) : {}), ...scenario.serverEnv };
    server = await startServer(benchDir, name, pinned, o.nodeFlags, env);
    if (scenario.raiseFds && scenario.connections + FD_HEADROOM > openFileLimits().soft) raiseOpenFiles(server.pid, scenario.connections + FD_HEADROOM);
    if (cluster) second = await startServer(benchDir, name, pinned, o.nodeFlags, env);
    if (go) await loadGo(go, scenario, server, o, pinned, record, second);
    else await loadNode(scenario, server, o, record);
    for (const s of [server, second]) if (s && s.child.exitCode !== null) record.problems.push(`server exited: ${s.stderr().trim().split('\n').pop()}`);
  } catch (err) {
    record.problems.push(err instanceof Error ? err.message : String(err));
  } finally {
    if (server) await stopServer(server);
    if (second) await stopServer(second);
  }
  if (scenario.saturating && record.value !== null && record.serverCpu !== null && record.serverCpu >= 5) {
    record.perCpuSecond = record.value / (record.serverCpu / 100);
  }
  // Whose figure is it? A throughput run where the server was not busy measured the load.
  if (scenario.saturating && record.serverCpu !== null && record.serverCpu < 80) record.problems.push('server idle');
  // On this shared machine other work took CPU during the measurement.
  if (record.othersCpu !== null && record.othersCpu > 30) record.problems.push('noisy');
  record.wallSeconds = (Date.now() - started) / 1000;
  return record;
}
