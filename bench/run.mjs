// Runs the benchmark scenarios of issue 8 against Volley, npm `ws` and a plain
// node:net echo (the ceiling), with the Go load generator, and prints medians,
// spreads and ratios to ws. Raw results go to bench/.out/.
//
//   npm run bench -- [--reps N] [--duration SECS] [--scenario NAME[,NAME]]
//                    [--servers volley,ws,net] [--quick] [--no-build] [--node-flags "..."]
//                    [--warmup SECS] [--quiet-wait SECS]
//
// Every run is a fresh server process pinned to core 1 and a loadgen pinned to
// core 0; servers are interleaved (A B A B) so drift on this shared machine
// hits all of them alike. Ratios in the same run are the figures that count.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.dirname(benchDir);
const outDir = path.join(benchDir, '.out');
const loadgen = path.join(benchDir, 'bin', 'loadgen');

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = { reps: 5, duration: 3, warmup: 1, quietWait: 3, scenarios: null, servers: null, quick: false, build: true, nodeFlags: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--reps') o.reps = Number(next());
    else if (a === '--duration') o.duration = Number(next());
    else if (a === '--warmup') o.warmup = Number(next());
    else if (a === '--quiet-wait') o.quietWait = Number(next());
    else if (a === '--scenario') o.scenarios = next().split(',');
    else if (a === '--servers') o.servers = next().split(',');
    else if (a === '--quick') o.quick = true;
    else if (a === '--no-build') o.build = false;
    else if (a === '--node-flags') o.nodeFlags = next().split(' ').filter(Boolean); // e.g. "--cpu-prof"
    else if (a === '--help' || a === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(0, 11).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.quick) {
    o.reps = 1;
    o.duration = Math.min(o.duration, 1);
    o.warmup = 0.5;
    o.quietWait = Math.min(o.quietWait, 1);
  }
  if (!(o.reps >= 1) || !(o.duration > 0)) throw new Error('--reps and --duration must be positive');
  return o;
}

// ---------------------------------------------------------------- servers

const servers = {
  volley: { script: 'servers/volley.mjs', raw: false },
  ws: { script: 'servers/ws.mjs', raw: false },
  net: { script: 'servers/net-echo.mjs', raw: true }, // loadgen -raw: length-prefixed records
};

// ---------------------------------------------------------------- scenarios
//
// metric: a path into the loadgen's result object. better: which way is good.
// target: the target ratio to ws for volley. saturating: a throughput
// run, where the server should be at ~100% of its core; if it is not, the
// figure measures the load generator (or the machine), not the server.

function socketScenarios(o) {
  const echo = (name, title, args, metric, unit, target) => ({
    name, title, mode: 'echo', args, metric, unit, better: 'higher', target, saturating: true,
    servers: ['volley', 'ws', 'net'],
  });
  return [
    echo('echo-64', 'echo, 64 B text, 100 conns x 10 in flight', ['-c', 100, '-w', 10, '-s', 64], 'msgs_per_s', 'msg/s', 3),
    echo('echo-16k', 'echo, 16 KiB binary, 50 x 4', ['-c', 50, '-w', 4, '-s', 16384, '-binary'], 'mb_per_s', 'MB/s', 2.5),
    echo('echo-1m', 'echo, 1 MiB binary, 4 x 1', ['-c', 4, '-w', 1, '-s', 1048576, '-binary'], 'mb_per_s', 'MB/s', 1.5),
    {
      name: 'broadcast-1k', title: 'broadcast 64 B to 1,000 subscribers', mode: 'broadcast',
      args: ['-c', 1000, '-w', 4, '-s', 64], metric: 'deliveries_per_s', unit: 'deliveries/s',
      better: 'higher', target: 5, saturating: true, servers: ['volley', 'ws'], fds: 1000,
    },
    {
      name: 'broadcast-10k', title: 'broadcast 64 B to 10,000 subscribers', mode: 'broadcast',
      args: ['-c', 10000, '-w', 4, '-s', 64], metric: 'deliveries_per_s', unit: 'deliveries/s',
      better: 'higher', target: 5, saturating: true, servers: ['volley', 'ws'], fds: 10000,
    },
    {
      name: 'broadcast-1k-p99', title: 'p99 latency, broadcast to 1,000 subscribers at 20 msg/s', mode: 'broadcast',
      args: ['-c', 1000, '-s', 64, '-rate', 20], metric: 'lat_us.p99', unit: 'µs',
      better: 'lower', target: 0.7, saturating: false, servers: ['volley', 'ws'], fds: 1000,
    },
    {
      // A fixed count of lifecycles, scaled with --duration (~1.2k/s for ws).
      name: 'connect', title: 'connect + handshake + one echo + close', mode: 'connect',
      args: ['-c', Math.max(2000, Math.round(1000 * o.duration)), '-concurrency', 64], metric: 'handshakes_per_s',
      unit: 'conn/s', better: 'higher', target: 2, saturating: true, servers: ['volley', 'ws', 'net'], noDuration: true,
    },
    {
      name: 'idle-10k', title: '10,000 idle connections, server RSS per connection', mode: 'idle',
      args: ['-c', 10000, '-hold', o.quick ? '1s' : '2s', '-settle', '1s'], metric: 'bytes_per_conn', unit: 'B/conn',
      better: 'lower', target: 0.7, saturating: false, servers: ['volley', 'ws', 'net'], noDuration: true, fds: 10000,
    },
  ];
}

// The hub's fan-out (a channel publish through Volley's hub to 1,000 and 10,000
// subscribers) runs as its own script, bench/hub-fanout.mjs: the loadgen cannot time the
// hub's JSON pushes, so its subscribers are a Node process (whose CPU it reports). It is
// compared with the same fan-out on the bare socket layer, not with ws (ws has no hub).
const HUB_FANOUT = 'hub-fanout';

function runHubFanout(o) {
  console.log(`${HUB_FANOUT}: channel publish through the hub to 1,000 and 10,000 subscribers (bench/hub-fanout.mjs)`);
  const args = [path.join(rootDir, 'bench', 'hub-fanout.mjs'), '--reps', String(o.reps), '--messages', o.quick ? '100' : '300'];
  const r = spawnSync(process.execPath, args, { cwd: rootDir, encoding: 'utf8', timeout: 20 * 60 * 1000 });
  const table = (r.stdout ?? '').trim();
  console.log(table || `hub fan-out failed: ${(r.stderr ?? '').trim().split('\n').slice(-5).join('\n')}`);
  return { status: r.status, table };
}

// ---------------------------------------------------------------- helpers

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function pick(obj, dotted) {
  return dotted.split('.').reduce((v, k) => (v == null ? undefined : v[k]), obj);
}

// The fd limit a child can get: 65536 if allowed, else the hard limit.
const ULIMIT = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"';

function fdLimit() {
  const r = spawnSync('bash', ['-c', `${ULIMIT}; ulimit -n`], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) ? n : Infinity; // "unlimited"
}

// Spawns `cmd args` pinned to `core` with the raised fd limit.
function pinned(core, cmd, args, opts = {}) {
  const quoted = [cmd, ...args].map((a) => `'${String(a).replace(/'/g, "'\\''")}'`).join(' ');
  return spawn('bash', ['-c', `${ULIMIT}; exec taskset -c ${core} ${quoted}`], { cwd: rootDir, ...opts });
}

function hasTaskset() {
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

// Starts a server on core 1 and resolves once it printed its ready line.
function startServer(name, port, nodeFlags) {
  const child = pinned(1, process.execPath, [...nodeFlags, path.join(benchDir, servers[name].script), port], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${name}: no ready line in 15 s`)); }, 15000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (/^ready /m.test(out)) {
        clearTimeout(timer);
        resolve({ child, stderr: () => stderr });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      const lines = stderr.trim().split('\n');
      reject(new Error(`${name} exited (${code}) before ready: ${lines.find((l) => /Error/.test(l)) ?? lines.pop()}`));
    });
  });
}

// `npm run build` cleans dist/ first, so a build started by someone else on this
// machine can remove dist/ws for a few seconds: give the server a few tries.
async function startServerRetrying(name, port, nodeFlags) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServer(name, port, nodeFlags);
    } catch (e) {
      if (attempt >= 3) throw e;
      console.warn(`  ${e.message}; retrying in 3 s`);
      await sleep(3000);
    }
  }
}

function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGTERM');
  });
}

// Runs the loadgen on core 0; resolves with its JSON line (or an error object).
function runLoadgen(args, timeoutMs) {
  return new Promise((resolve) => {
    const child = pinned(0, loadgen, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err = (err + d).slice(-2000); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      try {
        resolve(JSON.parse(line));
      } catch {
        resolve({ result: { error: `loadgen exit ${code ?? signal}: ${err.trim() || 'no output'}` } });
      }
    });
  });
}

// Problems a run reports besides a figure: errors, stalls, lost messages.
function runProblems(r) {
  const p = [];
  for (const k of ['error', 'dial_errors', 'conn_errors', 'protocol_errors', 'sub_errors', 'gaps', 'failures', 'dropped_while_idle']) {
    if (r[k]) p.push(`${k}=${r[k]}`);
  }
  if (r.stalled) p.push('stalled');
  return p;
}

// Busy fraction of each core over `ms`, from /proc/stat.
async function coreBusy(ms) {
  const read = () => Object.fromEntries(fs.readFileSync('/proc/stat', 'utf8').split('\n')
    .filter((l) => /^cpu\d/.test(l)).map((l) => {
      const [name, ...v] = l.split(/\s+/);
      const n = v.slice(0, 8).map(Number);
      return [name, { total: n.reduce((a, b) => a + b, 0), idle: n[3] + n[4] }];
    }));
  const a = read();
  await sleep(ms);
  const b = read();
  return Object.keys(b).map((k) => 1 - (b[k].idle - a[k].idle) / Math.max(1, b[k].total - a[k].total));
}

// Other sessions share this machine: before a run, wait (up to `limitS`) until
// both cores are mostly idle, so a neighbour's burst does not land in one run.
// The waits share one budget so that a busy neighbour cannot stretch the run.
let quietBudgetMs = 60_000;

async function waitForQuiet(limitS) {
  const start = Date.now();
  const end = start + Math.min(limitS * 1000, quietBudgetMs);
  let busy = await coreBusy(300);
  while (Math.max(...busy) > 0.3 && Date.now() < end) busy = await coreBusy(1000);
  quietBudgetMs -= Date.now() - start;
  return Math.round(Math.max(...busy) * 100);
}

// CPU (% of one core) that the two cores spent on anything but the loadgen
// and the server: other sessions, short-lived processes, the kernel's own
// work (which includes some of our loopback traffic, hence the margin).
function foreignCpu(r, run) {
  const busy = ['cpu0_busy_pct', 'cpu1_busy_pct'].map((k) => r[k] ?? r[`dial_${k}`]);
  if (busy.some((b) => b == null) || run.clientCpu == null || run.serverCpu == null) return r.others_cpu_pct ?? null;
  return Math.max(0, Math.round(busy[0] + busy[1] - run.clientCpu - run.serverCpu));
}

// Whose figure is it? The loadgen reports how busy each side was.
function loadFlags(sc, run) {
  const r = run.result ?? {};
  const f = [];
  // In idle runs the CPU figures cover only the dialling, not the figure.
  if (sc.mode !== 'idle' && run.clientCpu > 90) f.push('loadgen saturated');
  // Idle = neither running nor waiting for a CPU: the server waited for the
  // loadgen, so a throughput figure measures the loadgen.
  const idle = r.server_idle_pct ?? (run.serverCpu == null ? null : 100 - run.serverCpu);
  if (sc.saturating && idle > 20) f.push('server idle');
  // Other work on this shared machine took CPU during the measurement. (Run-queue
  // waits are no guide: a Node server's own GC threads wait for its core too.)
  if (run.othersCpu > 30) f.push('noisy');
  return f;
}

// ---------------------------------------------------------------- one scenario

let nextPort = 9300;

async function runScenario(sc, o, serverNames) {
  const runs = [];
  for (let rep = 0; rep < o.reps; rep++) {
    for (const name of serverNames) {
      // A fresh port per run, so nothing lingering from the last run (TIME_WAIT) collides.
      const port = nextPort++;
      if (nextPort > 9899) nextPort = 9300;
      const args = ['-mode', sc.mode, '-addr', `127.0.0.1:${port}`, ...sc.args.map(String),
        '-label', name, '-scenario', sc.name, '-waitport', '15s'];
      if (!sc.noDuration) args.push('-d', `${o.duration}s`, '-warmup', `${o.warmup}s`);
      if (servers[name].raw) args.push('-raw');
      const run = { server: name, rep, port, value: null, problems: [] };
      run.busyBefore = await waitForQuiet(o.quietWait);
      const started = Date.now();
      let server;
      try {
        server = await startServerRetrying(name, port, o.nodeFlags);
        args.push('-pid', server.child.pid);
        const line = await runLoadgen(args, (o.duration + o.warmup + 120) * 1000);
        const r = line.result ?? {};
        run.result = r;
        run.value = pick(r, sc.metric) ?? null;
        run.clientCpu = r.client_cpu_pct ?? r.dial_client_cpu_pct ?? null;
        run.serverCpu = r.server_cpu_pct ?? r.dial_server_cpu_pct ?? null;
        run.othersCpu = foreignCpu(r, run);
        run.problems = runProblems(r);
        if (server.child.exitCode !== null) run.problems.push(`server exited: ${server.stderr().trim().split('\n').pop()}`);
      } catch (e) {
        run.problems.push(e.message);
      } finally {
        if (server) await stopServer(server.child);
      }
      run.wall_s = (Date.now() - started) / 1000;
      run.problems.push(...loadFlags(sc, run));
      runs.push(run);
      const fig = run.value == null ? 'n/a' : fmt(run.value);
      console.log(`  ${sc.name} rep ${rep + 1}/${o.reps} ${name.padEnd(6)} ${fig.padStart(10)} ${sc.unit}` +
        `  loadgen ${pct(run.clientCpu)} server ${pct(run.serverCpu)} others ${pct(run.othersCpu)} (busy before ${run.busyBefore}%)` +
        (run.problems.length ? `  [${run.problems.join('; ')}]` : ''));
      await sleep(200);
    }
  }
  return { ...sc, runs, summary: summarize(runs, serverNames) };
}

function summarize(runs, serverNames) {
  const s = {};
  for (const name of serverNames) {
    const mine = runs.filter((r) => r.server === name);
    const vals = mine.map((r) => r.value).filter((v) => typeof v === 'number');
    const cpu = (k) => {
      const xs = mine.map((r) => r[k]).filter((v) => typeof v === 'number');
      return xs.length ? median(xs) : null;
    };
    const flags = {};
    for (const r of mine) for (const p of r.problems) {
      const key = p.replace(/=.*/, '');
      flags[key] = (flags[key] ?? 0) + 1;
    }
    s[name] = {
      n: vals.length, median: vals.length ? median(vals) : null,
      min: vals.length ? Math.min(...vals) : null, max: vals.length ? Math.max(...vals) : null,
      clientCpu: cpu('clientCpu'), serverCpu: cpu('serverCpu'), othersCpu: cpu('othersCpu'), flags,
    };
  }
  const base = s.ws?.median;
  for (const name of serverNames) s[name].ratio = base && s[name].median != null ? s[name].median / base : null;
  return s;
}

// ---------------------------------------------------------------- output

function fmt(v) {
  if (v == null) return 'n/a';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(3)).toString();
}
const pct = (v) => (v == null ? '  n/a' : `${Math.round(v)}%`.padStart(4));

function printSummary(results) {
  const rows = [['scenario', 'server', 'median', 'min–max', 'x ws', 'target', 'loadgen', 'server', 'others', 'flags']];
  for (const sc of results) {
    for (const [name, s] of Object.entries(sc.summary)) {
      const target = name === 'volley' ? `${sc.better === 'higher' ? '>=' : '<='} ${sc.target}` : '';
      rows.push([
        sc.name, name, `${fmt(s.median)} ${sc.unit}`, `${fmt(s.min)}–${fmt(s.max)}`,
        s.ratio == null ? 'n/a' : `${s.ratio.toFixed(2)}x`, target,
        pct(s.clientCpu).trim(), pct(s.serverCpu).trim(), pct(s.othersCpu).trim(),
        Object.entries(s.flags).map(([k, n]) => `${k} ${n}/${sc.runs.filter((r) => r.server === name).length}`).join(', '),
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log('');
  for (const [i, r] of rows.entries()) {
    console.log(r.map((c, j) => c.padEnd(widths[j])).join('  ').trimEnd());
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log('\nloadgen/server/others: median CPU use, % of one core. Flags count runs: "loadgen saturated" (>90% of its' +
    '\ncore) or "server idle" (>20% idle in a throughput run): the figure is bounded by the load generator, not the server;' +
    '\n"noisy": others (anything but loadgen and server, kernel included) took >30% of a core during the run.');
}

function machineInfo() {
  const git = (args) => spawnSync('git', args, { cwd: rootDir, encoding: 'utf8' }).stdout.trim();
  const wsVersion = JSON.parse(fs.readFileSync(path.join(rootDir, 'node_modules/ws/package.json'), 'utf8')).version;
  return {
    cpu: os.cpus()[0]?.model, cores: os.cpus().length, memGB: Math.round(os.totalmem() / 1e9),
    kernel: os.release(), node: process.version, ws: wsVersion,
    commit: git(['rev-parse', '--short', 'HEAD']), dirty: git(['status', '--porcelain', '--', 'src']) !== '',
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

// ---------------------------------------------------------------- main

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const t0 = Date.now();

  // Builds the loadgen if it is missing or older than its sources (quick otherwise).
  if (spawnSync(path.join(benchDir, 'setup.sh'), { stdio: 'inherit' }).status !== 0) throw new Error('bench/setup.sh failed');
  if (!hasTaskset()) throw new Error('taskset (util-linux) is needed to pin server and load generator to separate cores');
  if (os.cpus().length < 2) console.warn('warning: fewer than 2 cores; server and loadgen will share a core');

  let names = o.servers ?? Object.keys(servers);
  if (names.includes('volley')) {
    if (o.build) {
      console.log('npm run build');
      const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: rootDir, encoding: 'utf8' });
      if (b.status !== 0) {
        console.warn(`build failed; skipping volley:\n${(b.stdout + b.stderr).trim().split('\n').slice(-10).join('\n')}`);
        names = names.filter((n) => n !== 'volley');
      }
    }
    if (names.includes('volley') && !fs.existsSync(path.join(rootDir, 'dist/ws/index.js'))) {
      console.warn('dist/ws/index.js is missing; skipping volley');
      names = names.filter((n) => n !== 'volley');
    }
  }

  const limit = fdLimit();
  let scenarios = socketScenarios(o);
  if (o.scenarios) scenarios = scenarios.filter((sc) => o.scenarios.includes(sc.name));
  const withHub = !o.scenarios || o.scenarios.includes(HUB_FANOUT);
  if (scenarios.length === 0 && !withHub) {
    throw new Error(`no such scenario; known: ${[...socketScenarios(o).map((s) => s.name), HUB_FANOUT].join(', ')}`);
  }

  const machine = machineInfo();
  console.log(`machine: ${machine.cores} x ${machine.cpu}, node ${machine.node}, ws ${machine.ws}, fd limit ${limit}, load ${machine.loadavg.join(' ')}`);
  console.log(`reps ${o.reps}, duration ${o.duration}s + warm-up ${o.warmup}s, servers ${names.join(', ')}\n`);

  const results = [];
  for (const sc of scenarios) {
    const scNames = sc.servers.filter((n) => names.includes(n));
    if (scNames.length === 0) continue;
    // Both the server and the loadgen hold one fd per connection, plus a few.
    if (sc.fds && limit < sc.fds + 200) {
      console.warn(`skipping ${sc.name}: needs ~${sc.fds + 200} open files per process, ulimit -n allows ${limit}.` +
        ' Raise the hard limit (e.g. `ulimit -Hn 65536` as root, or LimitNOFILE in systemd) and re-run.');
      continue;
    }
    console.log(`${sc.name}: ${sc.title}`);
    results.push(await runScenario(sc, o, scNames));
  }

  printSummary(results);
  const hubFanout = withHub && names.includes('volley') ? runHubFanout(o) : null;
  fs.mkdirSync(outDir, { recursive: true });
  const date = new Date().toISOString();
  const file = path.join(outDir, `results-${date.replace(/[:.]/g, '-')}.json`);
  const doc = {
    date, file: path.relative(rootDir, file), elapsed_s: Math.round((Date.now() - t0) / 1000),
    options: { reps: o.reps, duration_s: o.duration, warmup_s: o.warmup, quick: o.quick, servers: names, nodeFlags: o.nodeFlags },
    machine, fdLimit: limit, scenarios: results, hubFanout,
  };
  fs.writeFileSync(file, JSON.stringify(doc, null, 1));
  fs.writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(doc, null, 1));
  console.log(`\nraw results: ${path.relative(rootDir, file)} (also bench/.out/latest.json); ${doc.elapsed_s}s.` +
    ' Write docs/benchmarks.md with: node bench/report.mjs');
}

main().catch((e) => {
  console.error(`bench: ${e.message}`);
  process.exit(1);
});
