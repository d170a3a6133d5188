import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from '../../src/ws/index.js';
import { Recorder } from '../../src/cli/bench/recorder.js';
import { buildOnce, killAll, runCli, spawnCli, startServe, type CliResult, type Served } from './helpers.js';

/** Short runs on two workers: enough to see the numbers flow, no timing asserted. */
const RUN = ['--duration', '1', '--workers', '2', '--connections', '4'];

/** The value under `header` in the summary table. */
function column(stdout: string, header: string): number {
  const lines = stdout.split('\n');
  const at = lines.findIndex((line) => line.includes(header));
  assert.ok(at >= 0, `no "${header}" column in:\n${stdout}`);
  const headers = lines[at]!.trim().split(/\s{2,}/);
  const values = lines[at + 1]!.trim().split(/\s{2,}/);
  return Number(values[headers.indexOf(header)]!.replace(/,/g, ''));
}

function assertTable(result: CliResult, unit: string): void {
  assert.equal(result.code, 0, result.stderr);
  for (const header of [`${unit}/s`, 'MB/s', 'p50 ms', 'p99 ms', 'p999 ms', 'errors', 'client CPU %']) {
    assert.ok(result.stdout.includes(header), `no "${header}" in:\n${result.stdout}`);
  }
  assert.ok(column(result.stdout, `${unit}/s`) > 0, result.stdout);
  assert.ok(column(result.stdout, 'client CPU %') > 0, 'the workers report the CPU they used');
}

interface Summary {
  unit: string;
  completed: number;
  perSecond: number;
  mbPerSecond: number;
  latencyMs: { p50: number; p99: number; p999: number };
  clientCpuPercent: number;
  size: number;
  rate: number;
  warmupSeconds: number;
  seconds: number;
  errors: number;
  connectionsOk: number;
  connectionsFailed: number;
  workers: number;
}

function parseSummary(result: CliResult): Summary {
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '', 'no progress output with --json');
  const summary = JSON.parse(result.stdout) as Summary;
  for (const field of ['unit', 'completed', 'perSecond', 'mbPerSecond', 'latencyMs', 'clientCpuPercent', 'errors', 'connectionsOk', 'connectionsFailed', 'workers']) {
    assert.ok(field in summary, `no "${field}" in ${result.stdout}`);
  }
  assert.ok(summary.perSecond > 0 && summary.completed > 0, `${summary.completed} completed`);
  // MB/s is rounded to 3 decimals: a slow run (a busy machine) may show 0.000, so check that it
  // agrees with the count instead of asserting a rate.
  const expected = (summary.completed * summary.size) / 1e6 / summary.seconds;
  assert.ok(Math.abs(summary.mbPerSecond - expected) <= 0.0005 + expected * 0.01, `${summary.mbPerSecond} MB/s for ${summary.completed} x ${summary.size} B in ${summary.seconds} s`);
  assert.ok(summary.latencyMs.p50 > 0 && summary.latencyMs.p50 <= summary.latencyMs.p99 && summary.latencyMs.p99 <= summary.latencyMs.p999);
  assert.equal(summary.workers, 2);
  return summary;
}

/** The convention of bench/servers: /pub messages go to every /sub connection. */
async function startBroadcastServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const subscribers = new Set<WebSocket>();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  wss.on('connection', (ws, req) => {
    ws.on('error', () => {});
    if (req.url === '/sub') {
      subscribers.add(ws);
      ws.on('close', () => subscribers.delete(ws));
    } else if (req.url === '/pub') {
      ws.on('message', (data, isBinary) => {
        for (const s of subscribers) s.send(data, { binary: isBinary });
      });
    }
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => wss.close(() => resolve())),
  };
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The child processes of `pid` (Linux). */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(/\s+/).map(Number);
}

/** Waits until `condition()` holds, checking every 50 ms; fails after `limitMs` (generous: the machine may be busy). */
async function waitFor(condition: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > limitMs) assert.fail(`still waiting after ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Alive and not a zombie (an orphan's reaper may be slow to collect it). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('bench Recorder', () => {
  test('counts only inside the window: not while warming up, not after the stop', () => {
    const recorder = new Recorder();
    recorder.completed(1, 10); // set-up
    recorder.warmUp();
    assert.equal(recorder.running, true, 'the load runs during the warm-up');
    assert.equal(recorder.measuring, false);
    recorder.completed(1, 10);
    recorder.sent();
    assert.deepEqual([recorder.counters.completed, recorder.counters.sent, recorder.windowMs(), recorder.cpuMs()], [0, 0, 0, 0]);
    recorder.start();
    recorder.completed(2, 10);
    recorder.completed(4, 10);
    recorder.sent();
    recorder.stop();
    recorder.completed(1, 10);
    recorder.sent();
    assert.equal(recorder.running, false);
    assert.deepEqual([recorder.counters.completed, recorder.counters.bytes, recorder.counters.sent], [2, 20, 1]);
    assert.equal(recorder.histogram.samples, 2);
    assert.ok(recorder.windowMs() >= 0 && recorder.cpuMs() >= 0);
  });

  test('errors count from set-up to the stop, not after (closing is expected)', () => {
    const recorder = new Recorder();
    recorder.error('during set-up');
    recorder.warmUp();
    recorder.error(new Error('during warm-up'));
    recorder.start();
    recorder.stop();
    recorder.error('after the stop');
    assert.equal(recorder.counters.errors, 2);
    assert.deepEqual(recorder.errorSamples(), [['during set-up', 1], ['during warm-up', 1]]);
  });
});

describe('volley bench', () => {
  let served: Served;
  before(async () => {
    await buildOnce();
    served = await startServe();
  });
  after(async () => {
    await served?.stop();
    killAll();
  });

  test('echo prints the summary table with a rate', async () => {
    const result = await runCli(['bench', served.echoUrl, ...RUN]);
    assertTable(result, 'messages');
    assert.equal(column(result.stdout, 'connections ok'), 4);
    assert.equal(column(result.stdout, 'connections failed'), 0);
    assert.match(result.stderr, /^volley bench: echo, 4 connections over 2 workers, 1 s$/m);
    assert.match(result.stderr, /^bench: done {2}[\d,]+ messages {2}0 errors$/m, 'progress lines on a stderr that is not a terminal, the last one at the end');
  });

  test('--warmup: the run reports it, and the window is still --duration long', async () => {
    const table = await runCli(['bench', served.echoUrl, ...RUN, '--warmup', '1']);
    assertTable(table, 'messages');
    assert.match(table.stderr, /^volley bench: echo, 4 connections over 2 workers, 1 s after 1 s of warm-up$/m);
    const summary = parseSummary(await runCli(['bench', served.echoUrl, ...RUN, '--warmup', '1', '--json']));
    assert.equal(summary.warmupSeconds, 1);
    assert.ok(summary.seconds >= 0.9, `a window of ${summary.seconds} s`); // timers never fire early; late is a busy machine
  });

  test('echo --json prints one object with the figures (binary, several in flight)', async () => {
    const summary = parseSummary(await runCli(['bench', served.echoUrl, ...RUN, '--json', '--binary', '--in-flight', '3', '--size', '100']));
    assert.equal(summary.unit, 'messages');
    assert.equal(summary.connectionsOk, 4);
    assert.equal(summary.errors, 0);
  });

  test('connect counts handshake cycles', async () => {
    const args = ['bench', served.echoUrl, '--scenario', 'connect', '--duration', '1', '--workers', '2', '--in-flight', '4'];
    assertTable(await runCli(args), 'handshakes');
    const summary = parseSummary(await runCli([...args, '--json']));
    assert.equal(summary.unit, 'handshakes');
    assert.equal(summary.connectionsOk, summary.completed);
  });

  describe('broadcast', () => {
    let server: Awaited<ReturnType<typeof startBroadcastServer>>;
    before(async () => {
      server = await startBroadcastServer();
    });
    after(async () => {
      await server.close();
    });

    test('subscribers on /sub, a publisher on /pub: deliveries/s', async () => {
      assertTable(await runCli(['bench', server.url, '--scenario', 'broadcast', ...RUN]), 'deliveries');
    });

    test('--rate publishes at a fixed pace: about rate x seconds x subscribers deliveries', async () => {
      const summary = parseSummary(await runCli(['bench', server.url, '--scenario', 'broadcast', ...RUN, '--rate', '20', '--json']));
      assert.equal(summary.rate, 20);
      assert.equal(summary.errors, 0);
      // Paced, not flooded: a window of ~1 s at 20/s to 4 subscribers is ~80 deliveries
      // (bounds wide enough for a busy machine: the pace catches up, it never runs ahead).
      assert.ok(summary.completed >= 4 && summary.completed <= 4 * 20 * (summary.seconds + 1), `${summary.completed} deliveries`);
    });

    test('--sub-url and --pub-url, --json', async () => {
      const args = ['bench', '--scenario', 'broadcast', '--sub-url', `${server.url}/sub`, '--pub-url', `${server.url}/pub`, ...RUN, '--json'];
      const summary = parseSummary(await runCli(args));
      assert.equal(summary.unit, 'deliveries');
      assert.equal(summary.connectionsOk, 5, 'four subscribers and the publisher');
    });
  });

  test('idle holds the connections and reports them', async () => {
    const result = await runCli(['bench', served.echoUrl, '--scenario', 'idle', '--duration', '1', '--workers', '2', '--connections', '6']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(column(result.stdout, 'connections ok'), 6);
    assert.equal(column(result.stdout, 'errors'), 0);
    assert.match(result.stdout, /^6 connections held for [\d.]+ s$/m);
    assert.doesNotMatch(result.stdout, /p50 ms/, 'no latency for a run that moves no messages');
  });

  test('the workers stop by themselves when the parent dies', { skip: !existsSync('/proc/self/task') }, async () => {
    const child = spawnCli(['bench', served.echoUrl, '--duration', '60', '--workers', '2', '--connections', '2']);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // A progress line ("bench: 1.0/60 s ...") comes only once every worker has reported
    // ready, so both have been forked by then (the "volley bench: ..." line comes before).
    await waitFor(() => /^bench: \d/m.test(stderr), `a progress line; stderr so far: ${stderr}`);
    const pid = child.pid!;
    const workers = childrenOf(pid);
    assert.equal(workers.length, 2, `children of the bench: ${workers.join(' ')}`);
    child.kill('SIGKILL');
    await waitFor(() => !workers.some(running), `workers ${workers.filter(running).join(' ')} still running after their parent died`);
  });

  test('an unreachable server: exit 1 with the reason', async () => {
    const port = await closedPort();
    const result = await runCli(['bench', `ws://127.0.0.1:${port}/echo`, ...RUN]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot reach ws:\/\/127\.0\.0\.1:\d+\/echo: .*ECONNREFUSED/);
    assert.equal(result.stdout, '');
  });

  test('a path the server refuses: exit 1', async () => {
    const result = await runCli(['bench', served.echoUrl.replace(/\/echo$/, '/nothing-here'), ...RUN]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot reach/);
  });

  for (const [args, flag] of [
    [['--bogus'], '--bogus'],
    [['--connections', '0'], '--connections'],
    [['--in-flight', 'many'], '--in-flight'],
    [['--size', '8'], '--size'],
    [['--duration', '0'], '--duration'],
    [['--workers', '-1'], '--workers'],
    [['--scenario', 'storm'], '--scenario'],
    [['--sub-url', 'ws://127.0.0.1:1/sub'], '--sub-url'],
    [['--binary=yes'], '--binary'],
    [['--warmup', '601'], '--warmup'],
    [['--rate', '20'], '--rate'],
    [['--scenario', 'broadcast', '--rate', '0'], '--rate'],
    [['--scenario', 'broadcast', '--rate', '20', '--in-flight', '4'], '--rate'],
    [['--scenario', 'idle', '--in-flight', '4'], '--in-flight'],
  ] as const) {
    test(`usage error: ${args.join(' ')} → exit 2 naming ${flag}`, async () => {
      const result = await runCli(['bench', 'ws://127.0.0.1:1/echo', ...args]);
      assert.equal(result.code, 2);
      assert.ok(result.stderr.includes(flag), result.stderr);
      assert.equal(result.stdout, '');
    });
  }

  test('usage error: no URL, a bad URL', async () => {
    const missing = await runCli(['bench']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing the URL/);
    const bad = await runCli(['bench', 'ftp://127.0.0.1/']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /URL/);
  });

  test('--help documents the flags; volley --help lists bench', async () => {
    const help = await runCli(['bench', '--help']);
    assert.equal(help.code, 0);
    for (const flag of ['--scenario', '--connections', '--in-flight', '--size', '--rate', '--warmup', '--duration', '--workers', '--binary', '--json', '--sub-url', '--pub-url', 'idle']) {
      assert.ok(help.stdout.includes(flag), flag);
    }
    assert.match((await runCli(['--help'])).stdout, /bench URL/);
  });
});
