// `npm run bench`: Volley against its peers side by side (npm ws with and without
// bufferutil, uWebSockets.js, a node:net floor; the hub against Socket.IO 4), with the load
// from the Go load generator in bench/loadgen (volley bench's Node workers without Go).
// Nothing outside the repository is needed. Run `npm run bench -- --help` for the options;
// bench/README.md and docs/benchmarks.md explain the method.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../src/cli/args.js';
import { ExitCode } from '../src/cli/exit-codes.js';
import { measureRun, NATS_URL, REDIS_URL, type RunRecord } from './suite/measure.js';
import { openFilesProblem } from './suite/fds.js';
import { goLoadgen, type GoLoadgen } from './suite/loadgen.js';
import { fdLimit, hasTaskset, LOAD_CORE, machineInfo, pinSelf, waitForQuiet } from './suite/machine.js';
import { parseSuiteArgs, SUITE_HELP, type SuiteOptions } from './suite/options.js';
import { benchCertificate } from './suite/tls.js';
import { consoleTable, markdownReport, runLine, type ScriptResult, type SuiteResults } from './suite/render.js';
import { ensurePeers, peerVersions } from './suite/peers.js';
import { GAME_TICK, HUB_FANOUT, MQTT_BRIDGE, MQTT_URL, TRANSPORT_FANOUT, suiteScenarios } from './suite/scenarios.js';
import { SERVER_NAMES, SERVERS, type ServerName } from './suite/servers.js';
import { scenarioResult, type ScenarioResult } from './suite/stats.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.dirname(benchDir);
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

/** Writes DATE.json and DATE.md (DATE-quick, DATE-tiny for those sizes) into outDir. */
function writeResults(doc: SuiteResults, outDir: string, stamp: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const md = `# Benchmark results, ${doc.date}\n\n${markdownReport(doc)}`;
  const base = path.join(outDir, stamp);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(doc, null, 1)}\n`);
  fs.writeFileSync(`${base}.md`, md);
  return [`${base}.json`, `${base}.md`];
}

async function main(argv: string[]): Promise<number> {
  const o = parseSuiteArgs(argv, path.join(benchDir, 'results'));
  if (o === null) {
    process.stdout.write(SUITE_HELP);
    return ExitCode.Ok;
  }
  const t0 = Date.now();
  const scenarios = suiteScenarios(o.size);
  const known = [...scenarios.map((s) => s.name), HUB_FANOUT, MQTT_BRIDGE, GAME_TICK, TRANSPORT_FANOUT];
  for (const name of o.scenarios ?? []) if (!known.includes(name)) throw new UsageError(`--${o.profile !== null ? 'profile' : 'scenario'}: no scenario "${name}" (known: ${known.join(', ')})`, 'bench');
  for (const name of o.servers ?? []) if (!SERVER_NAMES.includes(name as ServerName)) throw new UsageError(`--servers: no server "${name}" (known: ${SERVER_NAMES.join(', ')})`, 'bench');

  // This process and the load generator take core 0, every server core 1.
  const pinned = hasTaskset() && os.cpus().length >= 2 && pinSelf(LOAD_CORE);
  if (!pinned) console.warn('warning: not pinned (needs taskset from util-linux and 2 cores): server and load generator share the cores');
  // --quick leaves out ws-bufferutil (the same code as ws, a native mask) to stay under two minutes.
  let names = (o.servers as ServerName[] | null) ?? SERVER_NAMES.filter((n) => !(o.quick && n === 'ws-bufferutil'));
  if ((names.includes('volley') || names.includes('volley-hub')) && !build(o)) names = names.filter((n) => n !== 'volley' && n !== 'volley-hub');
  if (names.some((n) => SERVERS[n].peers) && !ensurePeers(benchDir, o.install)) names = names.filter((n) => !SERVERS[n].peers);
  const go: GoLoadgen | null = o.loadgen === 'go' ? goLoadgen(benchDir) : null;
  const loadgen = go ? 'go' : 'node';
  // net-raw returns masked frames, which only the Go load generator accepts (-masked).
  if (!go) names = names.filter((n) => !SERVERS[n].loadgen);
  const profileDir = o.profile !== null ? path.join(o.outDir, `profile-${o.profile}`) : null;
  if (profileDir) {
    fs.mkdirSync(profileDir, { recursive: true });
    o.nodeFlags = [...o.nodeFlags, '--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  }

  const machine = machineInfo(rootDir, pinned, peerVersions(benchDir), go?.goVersion ?? null);
  const limit = fdLimit();
  console.log(`machine: ${machine.cores} x ${machine.cpu}, node ${machine.node}, fd limit ${limit}, load ${machine.loadavg.join(' ')}`);
  console.log(`peers: ${Object.entries(machine.peers).map(([k, v]) => `${k} ${v}`).join(', ')}; load generator: ${go ? `bench/bin/loadgen (${go.goVersion})` : 'volley bench (Node)'}`);
  console.log(`reps ${o.reps}, ${o.durationSeconds} s + warm-up ${o.warmupSeconds} s, servers ${names.join(', ')}\n`);

  const results: ScenarioResult[] = [];
  /** Scenarios this machine could not run, with the reason, for the report. */
  const skipped: string[] = [];
  let quietBudgetMs = QUIET_BUDGET_MS;
  let missing = 0;
  const selected = scenarios.filter((s) => !o.scenarios || o.scenarios.includes(s.name));
  const redis = new URL(REDIS_URL);
  const redisUp = selected.some((s) => s.group === 'cluster') && (await reachable(redis.hostname, Number(redis.port || 6379)));
  const tlsReady = go !== null && selected.some((s) => s.serverEnv?.BENCH_TLS) && benchCertificate(go);
  const nats = new URL(NATS_URL);
  const natsUp = selected.some((s) => s.servers.some((n) => SERVERS[n].engine === 'nats')) && (await reachable(nats.hostname, Number(nats.port || 4222)));
  for (const [index, scenario] of selected.entries()) {
    let servers = scenario.servers.filter((n) => names.includes(n));
    if (!natsUp && servers.some((n) => SERVERS[n].engine === 'nats')) {
      console.log(`${scenario.name}: leaving out ${servers.filter((n) => SERVERS[n].engine === 'nats').join(', ')}: no NATS at ${NATS_URL} (set VOLLEY_BENCH_NATS)`);
      servers = servers.filter((n) => SERVERS[n].engine !== 'nats');
    }
    if (servers.length === 0) continue;
    if (!go && scenario.node === null) {
      console.log(`skipping ${scenario.name}: the Node load generator does not run it (the hub and Socket.IO protocols, wss://, permessage-deflate); install Go: apt-get install -y golang-go`);
      continue;
    }
    if (scenario.serverEnv?.BENCH_TLS && !tlsReady) continue; // said why above
    if (scenario.group === 'cluster' && !redisUp) {
      servers = servers.filter((n) => SERVERS[n].engine === 'nats');
      if (servers.length === 0) {
        console.log(`skipping ${scenario.name}: no Redis at ${REDIS_URL} (set VOLLEY_BENCH_REDIS)`);
        continue;
      }
      console.log(`${scenario.name}: only ${servers.join(', ')}: no Redis at ${REDIS_URL} (set VOLLEY_BENCH_REDIS)`);
    }
    const fdProblem = scenario.raiseFds ? openFilesProblem(scenario.connections + FD_MARGIN) : null;
    if (fdProblem !== null) {
      console.warn(`skipping ${scenario.name}: ${fdProblem}`);
      skipped.push(`${scenario.name}: ${fdProblem}`);
      continue;
    }
    if (!scenario.raiseFds && scenario.connections + FD_MARGIN > limit) {
      console.warn(`skipping ${scenario.name}: needs ~${scenario.connections + FD_MARGIN} open files per process, ulimit -n allows ${limit}`);
      continue;
    }
    console.log(`[${index + 1}/${selected.length}] ${scenario.name}: ${scenario.title} (${Math.round((Date.now() - t0) / 1000)} s so far)`);
    const runs: RunRecord[] = [];
    // Interleaved: volley, ws, uws, ..., volley, ws, uws, ... so drift on a shared machine hits all alike.
    for (let rep = 0; rep < o.reps; rep++) {
      for (const name of servers) {
        const waitStarted = Date.now();
        const busyBefore = await waitForQuiet(Math.min(o.quietWaitSeconds * 1000, quietBudgetMs));
        quietBudgetMs = Math.max(0, quietBudgetMs - (Date.now() - waitStarted));
        const run = await measureRun(benchDir, scenario, name, rep, o, pinned, busyBefore, go);
        if (run.value === null) missing++;
        runs.push(run);
        console.log(runLine(scenario, run, o.reps));
      }
    }
    results.push(scenarioResult(scenario, servers, runs, loadgen));
  }

  console.log(`\n${consoleTable(results)}\n`);
  // The scripts run when named, or in a full run (not --quick, which must stay under two minutes).
  const script = (name: string) => (o.scenarios ? o.scenarios.includes(name) : !o.quick && o.profile === null) && names.includes('volley');
  // The Node-subscriber hub fan-out only when named: the hub-fanout-* scenarios measure the same with the Go load.
  const hubFanout = o.scenarios?.includes(HUB_FANOUT) && names.includes('volley') ? runHubFanout(o) : null;
  if (hubFanout && hubFanout.status !== 0) missing++;
  const mqttBridge = script(MQTT_BRIDGE) ? await runMqttBridge(o) : null;
  if (mqttBridge && mqttBridge.status !== 0) missing++;
  const gameTick = script(GAME_TICK) ? runGameTick(o) : null;
  if (gameTick && gameTick.status !== 0) missing++;
  const withTransports = (!o.scenarios || o.scenarios.includes(TRANSPORT_FANOUT)) && names.includes('volley');
  const transportFanout = withTransports ? runTransportFanout(o) : null;
  if (transportFanout && transportFanout.status !== 0) missing++;

  const date = new Date().toISOString();
  const stamp = `${date.slice(0, 19).replace(/:/g, '-')}${o.size === 'full' ? '' : `-${o.size}`}`;
  const doc: SuiteResults = {
    date, file: path.relative(rootDir, path.join(o.outDir, `${stamp}.json`)), elapsedSeconds: Math.round((Date.now() - t0) / 1000),
    options: { reps: o.reps, durationSeconds: o.durationSeconds, warmupSeconds: o.warmupSeconds, workers: o.workers, quick: o.quick, size: o.size, servers: names, nodeFlags: o.nodeFlags, loadgen },
    machine, command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`, scenarios: results, hubFanout, mqttBridge, gameTick, transportFanout, skipped,
  };
  const files = writeResults(doc, o.outDir, stamp);
  console.log(`\nresults: ${files.map((f) => path.relative(rootDir, f)).join(', ')}; ${doc.elapsedSeconds} s.` +
    ` Update docs/benchmarks.md with: npx tsx bench/report.ts ${path.relative(rootDir, files[0]!)}`);
  if (profileDir) console.log(`CPU profiles (one per server and run): ${path.relative(rootDir, profileDir)}; top functions: npx tsx bench/profile-top.ts ${path.relative(rootDir, profileDir)}`);
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
