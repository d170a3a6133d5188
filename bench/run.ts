// `npm run bench`: Volley against npm ws and a node:net floor, side by side, with the load
// from `volley bench`'s own worker processes. Nothing outside the repository is needed.
// Run `npm run bench -- --help` for the options; bench/README.md and docs/benchmarks.md
// explain the method.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../src/cli/args.js';
import { ExitCode } from '../src/cli/exit-codes.js';
import { measureRun, type RunRecord } from './suite/measure.js';
import { fdLimit, hasTaskset, LOAD_CORE, machineInfo, pinSelf, waitForQuiet } from './suite/machine.js';
import { parseSuiteArgs, SUITE_HELP, type SuiteOptions } from './suite/options.js';
import { consoleTable, markdownReport, runLine, type ScriptResult, type SuiteResults } from './suite/render.js';
import { GAME_TICK, HUB_FANOUT, MQTT_BRIDGE, MQTT_URL, TRANSPORT_FANOUT, suiteScenarios, type ServerName } from './suite/scenarios.js';
import { SERVER_SCRIPTS } from './suite/servers.js';
import { scenarioResult, type ScenarioResult } from './suite/stats.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.dirname(benchDir);
const SERVERS = Object.keys(SERVER_SCRIPTS) as ServerName[];
/** All the waits for a quiet machine share this budget, so a busy neighbour cannot stretch the run. */
const QUIET_BUDGET_MS = 60_000;
/** Descriptors a process needs besides one per connection. */
const FD_MARGIN = 200;

/** A scenario that runs as a script of its own and prints its table (hub fan-out, MQTT bridge). */
function runScript(name: string, title: string, script: string, args: string[]): ScriptResult {
  console.log(`${name}: ${title}, node bench/${script} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [path.join(benchDir, script), ...args], { cwd: rootDir, encoding: 'utf8', timeout: 20 * 60 * 1000 });
  const table = (r.stdout ?? '').trim();
  if (r.status !== 0 || !table) console.log(`${name} failed: ${(r.stderr ?? '').trim().split('\n').slice(-5).join('\n')}`);
  else console.log(table);
  return { status: r.status, table: r.status === 0 ? table : '' };
}

/** The hub fan-out (bench/hub-fanout.mjs): its own subscribers speak the hub protocol. */
function runHubFanout(o: SuiteOptions): ScriptResult {
  const args = o.size === 'tiny' ? ['--subs', '20', '--messages', '20', '--reps', '1']
    : o.quick ? ['--subs', '1000', '--messages', '100', '--reps', '1']
      : ['--reps', String(o.reps), '--messages', '300'];
  return runScript(HUB_FANOUT, 'channel publish through the hub', 'hub-fanout.mjs', args);
}

/** MQTT -> bridge -> Volley client (bench/mqtt-bridge.mjs), when an MQTT broker answers on MQTT_URL. */
async function runMqttBridge(o: SuiteOptions): Promise<ScriptResult | null> {
  const url = new URL(MQTT_URL);
  if (!(await reachable(url.hostname, Number(url.port || 1883)))) {
    console.log(`${MQTT_BRIDGE}: skipped, no MQTT broker at ${MQTT_URL} (set VOLLEY_BENCH_MQTT_URL)`);
    return null;
  }
  const args = o.size === 'tiny' ? ['--latency-messages', '50', '--throughput-messages', '200']
    : o.quick ? ['--latency-messages', '1000', '--throughput-messages', '5000']
      : ['--latency-messages', '4000', '--throughput-messages', '40000'];
  return runScript(MQTT_BRIDGE, 'MQTT publish to a Volley client through the bridge', 'mqtt-bridge.mjs', ['--url', MQTT_URL, ...args]);
}

/** The Game demo with bots (bench/game-tick.mjs): server tick jitter and delta delivery. */
function runGameTick(o: SuiteOptions): ScriptResult {
  const args = o.size === 'tiny' ? ['--bots', '10', '--seconds', '3']
    : o.quick ? ['--bots', '200', '--seconds', '10']
      : ['--bots', '200', '--seconds', '30'];
  return runScript(GAME_TICK, 'game ticks at 20 Hz with bots playing through the SDK', 'game-tick.mjs', args);
}

/** Fan-out over WebSocket, SSE and long-polling (bench/transport-fanout.mjs): deliveries/s and server memory per connection. */
function runTransportFanout(o: SuiteOptions): ScriptResult {
  const args = o.size === 'tiny' ? ['--subs', '20', '--messages', '20']
    : o.quick ? ['--subs', '1000', '--messages', '50']
      : ['--subs', '1000', '--messages', '200', '--reps', String(o.reps)];
  return runScript(TRANSPORT_FANOUT, 'channel publish to subscribers over WebSocket, SSE and long-polling', 'transport-fanout.mjs', args);
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000, () => socket.destroy());
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('close', () => resolve(false));
    socket.once('error', () => resolve(false));
  });
}

/** The newest modification time of the sources dist/ is built from. */
function newestSource(): number {
  let newest = Math.max(...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => fs.statSync(path.join(rootDir, f)).mtimeMs));
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  walk(path.join(rootDir, 'src'));
  return newest;
}

/** The files of dist/ the servers import; the oldest of them, or 0 if one is missing. */
function distBuiltAt(): number {
  const files = ['dist/index.js', 'dist/ws/index.js'].map((f) => path.join(rootDir, f));
  return files.every((f) => fs.existsSync(f)) ? Math.min(...files.map((f) => fs.statSync(f).mtimeMs)) : 0;
}

/** Builds dist/ when it is older than src/ (the servers import volley and volley/ws); false when there is no usable dist/. */
function build(o: SuiteOptions): boolean {
  if (o.build && distBuiltAt() < newestSource()) {
    console.log('npm run build');
    const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: rootDir, encoding: 'utf8' });
    if (b.status !== 0) {
      console.warn(`build failed; skipping volley:\n${`${b.stdout}${b.stderr}`.trim().split('\n').slice(-10).join('\n')}`);
      return false;
    }
  }
  if (distBuiltAt() > 0) return true;
  console.warn('dist/ is missing (run npm run build); skipping volley');
  return false;
}

function writeResults(doc: SuiteResults, outDir: string, stamp: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const json = JSON.stringify(doc, null, 1);
  const md = `# Benchmark results, ${doc.date}\n\n${markdownReport(doc)}`;
  const files = [`results-${stamp}.json`, `results-${stamp}.md`, 'latest.json', 'latest.md'].map((f) => path.join(outDir, f));
  fs.writeFileSync(files[0]!, json);
  fs.writeFileSync(files[1]!, md);
  fs.writeFileSync(files[2]!, json);
  fs.writeFileSync(files[3]!, md);
  return files;
}

async function main(argv: string[]): Promise<number> {
  const o = parseSuiteArgs(argv, path.join(benchDir, '.out'));
  if (o === null) {
    process.stdout.write(SUITE_HELP);
    return ExitCode.Ok;
  }
  const t0 = Date.now();
  const scenarios = suiteScenarios(o.size);
  const known = [...scenarios.map((s) => s.name), HUB_FANOUT, MQTT_BRIDGE, GAME_TICK, TRANSPORT_FANOUT];
  for (const name of o.scenarios ?? []) if (!known.includes(name)) throw new UsageError(`--scenario: no scenario "${name}" (known: ${known.join(', ')})`, 'bench');
  for (const name of o.servers ?? []) if (!SERVERS.includes(name as ServerName)) throw new UsageError(`--servers: no server "${name}" (known: ${SERVERS.join(', ')})`, 'bench');

  // This process and the workers it forks take core 0, every server core 1.
  const pinned = hasTaskset() && os.cpus().length >= 2 && pinSelf(LOAD_CORE);
  if (!pinned) console.warn('warning: not pinned (needs taskset from util-linux and 2 cores): server and load generator share the cores');
  let names = (o.servers as ServerName[] | null) ?? SERVERS;
  if (names.includes('volley') && !build(o)) names = names.filter((n) => n !== 'volley');

  const machine = machineInfo(rootDir, pinned);
  const limit = fdLimit();
  console.log(`machine: ${machine.cores} x ${machine.cpu}, node ${machine.node}, ws ${machine.ws}, fd limit ${limit}, load ${machine.loadavg.join(' ')}`);
  console.log(`reps ${o.reps}, ${o.durationSeconds} s + warm-up ${o.warmupSeconds} s, ${o.workers} load worker(s), servers ${names.join(', ')}\n`);

  const results: ScenarioResult[] = [];
  let quietBudgetMs = QUIET_BUDGET_MS;
  let missing = 0;
  for (const scenario of scenarios.filter((s) => !o.scenarios || o.scenarios.includes(s.name))) {
    const servers = scenario.servers.filter((n) => names.includes(n));
    if (servers.length === 0) continue;
    if (scenario.connections + FD_MARGIN > limit) {
      console.warn(`skipping ${scenario.name}: needs ~${scenario.connections + FD_MARGIN} open files per process, ulimit -n allows ${limit}`);
      continue;
    }
    console.log(`${scenario.name}: ${scenario.title}`);
    const runs: RunRecord[] = [];
    // Interleaved: volley, ws, net, volley, ws, net... so drift on a shared machine hits all alike.
    for (let rep = 0; rep < o.reps; rep++) {
      for (const name of servers) {
        const waitStarted = Date.now();
        const busyBefore = await waitForQuiet(Math.min(o.quietWaitSeconds * 1000, quietBudgetMs));
        quietBudgetMs = Math.max(0, quietBudgetMs - (Date.now() - waitStarted));
        const run = await measureRun(benchDir, scenario, name, rep, o, pinned, busyBefore);
        if (run.value === null) missing++;
        runs.push(run);
        console.log(runLine(scenario, run, o.reps));
      }
    }
    results.push(scenarioResult(scenario, servers, runs));
  }

  console.log(`\n${consoleTable(results)}\n`);
  const withHub = (!o.scenarios || o.scenarios.includes(HUB_FANOUT)) && names.includes('volley');
  const hubFanout = withHub ? runHubFanout(o) : null;
  if (hubFanout && hubFanout.status !== 0) missing++;
  const withMqtt = (!o.scenarios || o.scenarios.includes(MQTT_BRIDGE)) && names.includes('volley');
  const mqttBridge = withMqtt ? await runMqttBridge(o) : null;
  if (mqttBridge && mqttBridge.status !== 0) missing++;
  const withGame = (!o.scenarios || o.scenarios.includes(GAME_TICK)) && names.includes('volley');
  const gameTick = withGame ? runGameTick(o) : null;
  if (gameTick && gameTick.status !== 0) missing++;
  const withTransports = (!o.scenarios || o.scenarios.includes(TRANSPORT_FANOUT)) && names.includes('volley');
  const transportFanout = withTransports ? runTransportFanout(o) : null;
  if (transportFanout && transportFanout.status !== 0) missing++;

  const date = new Date().toISOString();
  const stamp = date.replace(/[:.]/g, '-');
  const doc: SuiteResults = {
    date, file: path.relative(rootDir, path.join(o.outDir, `results-${stamp}.json`)), elapsedSeconds: Math.round((Date.now() - t0) / 1000),
    options: { reps: o.reps, durationSeconds: o.durationSeconds, warmupSeconds: o.warmupSeconds, workers: o.workers, quick: o.quick, size: o.size, servers: names, nodeFlags: o.nodeFlags },
    machine, scenarios: results, hubFanout, mqttBridge, gameTick, transportFanout,
  };
  const files = writeResults(doc, o.outDir, stamp);
  console.log(`\nresults: ${files.map((f) => path.relative(rootDir, f)).join(', ')}; ${doc.elapsedSeconds} s.` +
    ' Update docs/benchmarks.md with: npx tsx bench/report.ts');
  if (missing > 0) console.warn(`${missing} run(s) produced no figure: see the flags above`);
  return missing > 0 ? ExitCode.Failure : ExitCode.Ok;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`bench: ${err.message}\nRun "npm run bench -- --help" for usage.\n`);
      process.exit(ExitCode.Usage);
    }
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(ExitCode.Failure);
  },
);
