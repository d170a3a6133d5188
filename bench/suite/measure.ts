// One run: a fresh server, the load from volley bench's workers (the same plan, runner and
// summary as `volley bench`), and what the server process spent meanwhile.

import { parseBenchArgs } from '../../src/cli/bench/options.js';
import { HANDSHAKE_TIMEOUT_MS, planWorkers } from '../../src/cli/bench/plans.js';
import { probe } from '../../src/cli/bench/probe.js';
import { summarize, type BenchSummary } from '../../src/cli/bench/report.js';
import { BenchRun } from '../../src/cli/bench/runner.js';
import { busyPercent, coreTimes, processCpuMs, processRss, type CoreTimes } from './machine.js';
import type { SuiteOptions } from './options.js';
import type { ServerName, SuiteScenario } from './scenarios.js';
import { startServer, stopServer, type RunningServer } from './servers.js';

export interface RunRecord {
  server: ServerName;
  rep: number;
  value: number | null;
  /** CPU, in % of one core, over the measured window: the load generator's workers (summed), the server, everything else. */
  clientCpu: number | null;
  serverCpu: number | null;
  othersCpu: number | null;
  serverRss: number | null;
  /** How busy the busiest core was just before the run, in %. */
  busyBefore: number;
  problems: string[];
  wallSeconds: number;
  /** The `volley bench` command line of the load (with the URL this run had). */
  command: string;
  summary: BenchSummary | null;
}

interface Sample {
  at: number;
  serverCpuMs: number | null;
  cores: CoreTimes;
}

function sample(pid: number): Sample {
  return { at: performance.now(), serverCpuMs: processCpuMs(pid), cores: coreTimes() };
}

/** The load of `scenario` as `volley bench` arguments against `url`. */
function benchArgs(scenario: SuiteScenario, url: string, o: SuiteOptions): string[] {
  return [url, '--scenario', scenario.kind, ...scenario.load, '--warmup', String(o.warmupSeconds), '--duration', String(o.durationSeconds), '--workers', String(o.workers), '--json'];
}

/** Runs the load on a running server; fills in the figures of `record`. */
async function load(scenario: SuiteScenario, server: RunningServer, o: SuiteOptions, record: RunRecord): Promise<void> {
  const options = parseBenchArgs(benchArgs(scenario, server.url, o))!;
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
  record.summary = summary;
  record.value = summary.connectionsOk > 0 || summary.completed > 0 ? scenario.figure({ summary, serverRssGrowth: rssAtEnd !== null && rssBefore !== null ? rssAtEnd - rssBefore : null }) : null;
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
  // Whose figure is it? Idle runs load nothing, so only throughput runs are judged.
  if (scenario.kind === 'idle') return;
  if (record.clientCpu !== null && record.clientCpu / plans.length > 90) record.problems.push('loadgen saturated');
  if (scenario.saturating && record.serverCpu !== null && record.serverCpu < 80) record.problems.push('server idle');
}

export async function measureRun(
  benchDir: string,
  scenario: SuiteScenario,
  name: ServerName,
  rep: number,
  o: SuiteOptions,
  pinned: boolean,
  busyBefore: number,
): Promise<RunRecord> {
  const started = Date.now();
  const record: RunRecord = {
    server: name, rep, value: null, clientCpu: null, serverCpu: null, othersCpu: null, serverRss: null, busyBefore,
    problems: [], wallSeconds: 0, command: `volley bench ${benchArgs(scenario, 'URL', o).slice(0, -1).join(' ')}`, summary: null,
  };
  let server: RunningServer | undefined;
  try {
    server = await startServer(benchDir, name, pinned, o.nodeFlags);
    await load(scenario, server, o, record);
    if (server.child.exitCode !== null) record.problems.push(`server exited: ${server.stderr().trim().split('\n').pop()}`);
  } catch (err) {
    record.problems.push(err instanceof Error ? err.message : String(err));
  } finally {
    if (server) await stopServer(server);
  }
  // On this shared machine other work took CPU during the measurement.
  if (record.othersCpu !== null && record.othersCpu > 30) record.problems.push('noisy');
  record.wallSeconds = (Date.now() - started) / 1000;
  return record;
}
