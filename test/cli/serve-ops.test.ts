// `volley serve` for operators: its log lines (JSON on a pipe) hold the documented events and
// never the token, the secret, the API key, the metrics token or a message body; --metrics on a
// port of its own; SIGTERM drains (/readyz 503 first, then clients get 1001, then exit 0).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket } from '../../src/ws/index.js';
import { readableLine } from '../../src/cli/serve-logger.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeConfig } from '../../src/cli/serve-command.js';
import { serverOptionsOf } from '../../src/cli/serve.js';
import { buildOnce, killAll, runCli, startServe, type Served } from './helpers.js';
import { parseExposition, valueOf } from '../support/prometheus-text.js';

const SECRET = 'ops-secret-of-32-chars-or-more-abcdef';
const API_KEY = 'ops-api-key-5f3a9c';
const METRICS_TOKEN = 'ops-metrics-token-77c1e0';
const BODY = 'message-body-marker-41d9';

/** The JSON log lines of the output (the start-up listing is plain text, not JSON). */
function logLines(stdout: string): Array<Record<string, any>> {
  return stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 1_500; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`never: ${what}`);
}

/** A hub connection that ran connect with `token`; resolves with the socket and the connect reply. */
async function hubClient(hubUrl: string, token: string | undefined): Promise<{ ws: WebSocket; reply: any; closed: Promise<number> }> {
  const ws = new WebSocket(hubUrl, ['volley.v1']);
  const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
  await once(ws, 'open');
  const reply = new Promise<any>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
  ws.send(JSON.stringify({ id: 1, method: 'connect', params: token === undefined ? {} : { token } }));
  return { ws, reply: await reply, closed };
}

describe('volley serve for operators', () => {
  before(buildOnce);
  after(killAll);

  test('--help lists the operations flags', async () => {
    const result = await runCli(['serve', '--help']);
    for (const flag of ['--log-level', '--metrics', '--metrics-port', '--metrics-token', '--drain-delay', '/healthz', '/readyz']) {
      assert.ok(result.stdout.includes(flag), `no ${flag} in --help`);
    }
  });

  test('--log-level and --metrics-token are checked', async () => {
    const level = await runCli(['serve', '--port', '0', '--log-level', 'loud']);
    assert.equal(level.code, 2);
    assert.match(level.stderr, /--log-level must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "loud"/);
    const token = await runCli(['serve', '--port', '0', '--metrics', '--metrics-token', 'short-1']);
    assert.equal(token.code, 2);
    assert.match(token.stderr, /--metrics-token must be a string of at least 16 characters/);
    assert.doesNotMatch(token.stderr, /short-1/);
  });

  describe('a server with a secret, an API key and metrics', () => {
    let served: Served;
    let hubUrl: string;
    let metricsUrl: string;
    before(async () => {
      served = await startServe(['--no-demo', '--api-key', API_KEY, '--metrics', '--metrics-port', '0', '--drain-delay', '600000'], {
        VOLLEY_SECRET: SECRET,
        VOLLEY_METRICS_TOKEN: METRICS_TOKEN,
      });
      hubUrl = served.echoUrl.replace(/\/echo$/, '/connection/websocket');
      const listening = await until(() => logLines(served.stdout()).find((l) => l.event === 'listening'), 'the listening line');
      metricsUrl = listening.metrics;
      assert.match(metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    });
    after(() => served.child.kill('SIGKILL'));

    test('logs the documented events, never a secret or a message body, and drains on SIGTERM', async () => {
      const minted = await runCli(['token', '--secret', SECRET, '--sub', 'alice']);
      const token = minted.stdout.trim().split('\n').at(-1)!;
      assert.match(token, /^ey/);
      const alice = await hubClient(hubUrl, token);
      assert.equal(alice.reply.error, undefined);
      const mallory = await hubClient(hubUrl, `${token.slice(0, -4)}AAAA`);
      assert.equal(mallory.reply.error.code, 101);
      assert.equal(await mallory.closed, 3500);
      alice.ws.send(JSON.stringify({ id: 2, method: 'subscribe', params: { channel: 'news' } }));
      const published = await fetch(`${served.httpBase}/api/publish`, {
        method: 'POST',
        headers: { authorization: `apikey ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'news', data: { text: BODY } }),
      });
      assert.equal(published.status, 200);
      const bob = await hubClient(hubUrl, undefined);
      bob.ws.close(1000);
      await bob.closed;

      // The metrics token guards the listener of its own too.
      assert.equal((await fetch(metricsUrl)).status, 401);
      const scrape = await fetch(metricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      const metrics = parseExposition(await scrape.text());
      assert.ok(valueOf(metrics, 'volley_refusals_total', { stage: 'connect', reason: 'unauthorized' }) >= 1);
      assert.ok(valueOf(metrics, 'volley_publications_total') >= 1);

      // Drain: readiness fails first while alice stays connected (the delay is 10 minutes) …
      assert.equal((await fetch(`${served.httpBase}/readyz`)).status, 200);
      served.child.kill('SIGTERM');
      const ready = await until(async () => {
        const res = await fetch(`${served.httpBase}/readyz`);
        return res.status === 503 ? res.json() : undefined;
      }, 'readyz 503');
      assert.deepEqual(ready, { status: 'unavailable', reason: 'draining' });
      assert.equal(alice.ws.readyState, WebSocket.OPEN);
      // … then a second signal ends the delay: alice gets 1001 and the process exits 0.
      served.child.kill('SIGTERM');
      assert.equal(await alice.closed, 1001);
      // No third signal (one arriving while Node tears down would kill it): wait for the exit.
      const child = served.child;
      const code = child.exitCode ?? (child.signalCode === null ? (await once(child, 'exit'))[0] : null);
      assert.equal(code, 0);

      const output = served.stdout();
      for (const secret of [SECRET, API_KEY, METRICS_TOKEN, token, BODY]) {
        assert.ok(!output.includes(secret), `the output holds ${secret.slice(0, 12)}…`);
      }
      const lines = logLines(served.stdout());
      const events = lines.map((l) => l.event);
      for (const event of ['metrics_listening', 'listening', 'connect', 'refuse', 'disconnect', 'signal', 'draining', 'stopped']) {
        assert.ok(events.includes(event), `no ${event} event in ${events.join(', ')}`);
      }
      for (const line of lines) {
        assert.equal(typeof line.level, 'string');
        assert.equal(typeof line.time, 'string');
      }
      const connect = lines.find((l) => l.event === 'connect' && l.user === 'alice');
      assert.ok(connect && typeof connect.conn === 'string' && connect.transport === 'websocket');
      const refused = lines.find((l) => l.event === 'refuse');
      assert.equal(refused?.code, 101);
      const disconnects = lines.filter((l) => l.event === 'disconnect');
      assert.ok(disconnects.some((l) => l.code === 3500 && l.by === 'server'));
      assert.ok(disconnects.some((l) => l.by === 'client'));
      assert.ok(disconnects.some((l) => l.code === 1001 && l.user === 'alice'));
      assert.ok(events.indexOf('draining') < events.lastIndexOf('disconnect'), 'readiness failed before the clients were closed');
    });
  });

  test('a metrics port in use is named as such, and the server does not start', async () => {
    const { createServer: createHttp } = await import('node:http');
    const blocker = createHttp();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const result = await runCli(['serve', '--port', '0', '--no-demo', '--metrics', '--metrics-port', String(taken)]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`cannot start the metrics listener on 127\\.0\\.0\\.1:${taken} \\(metrics\\.port\\).*--metrics-port`));
    } finally {
      blocker.close();
    }
  });

  test('--log-level debug logs the configuration with its secrets redacted', async () => {
    const served = await startServe(['--no-demo', '--log-level', 'debug', '--api-key', API_KEY, '--broker', 'memory'], { VOLLEY_SECRET: SECRET });
    const result = await served.stop();
    const config = logLines(served.stdout()).find((l) => l.event === 'config');
    assert.equal(config?.config.secret, '[redacted]');
    assert.equal(config?.config.apiKey, '[redacted]');
    assert.ok(!(served.stdout() + result.stderr).includes(SECRET));
    assert.ok(!(served.stdout() + result.stderr).includes(API_KEY));
  });

  test('metrics flags change only their key of the config file\'s metrics; flag > environment > file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'volley-ops-'));
    try {
      const file = join(dir, 'volley.json');
      writeFileSync(file, JSON.stringify({ metrics: { enabled: true, token: 'file-token-0123456789', host: '0.0.0.0' }, logLevel: 'warn', drainDelayMs: 250 }));
      const fromFile = loadServeConfig({ config: file }, {});
      assert.deepEqual(fromFile.metrics, { enabled: true, token: 'file-token-0123456789', host: '0.0.0.0' });
      assert.equal(fromFile.logLevel, 'warn');
      assert.equal(serverOptionsOf(fromFile).drainDelayMs, 250);
      assert.deepEqual(serverOptionsOf(fromFile).metrics, fromFile.metrics);
      const layered = loadServeConfig({ config: file, 'metrics-port': '9999', 'log-level': 'debug' }, { VOLLEY_METRICS_TOKEN: 'env-token-0123456789', VOLLEY_LOG_LEVEL: 'error' });
      assert.deepEqual(layered.metrics, { enabled: true, token: 'env-token-0123456789', host: '0.0.0.0', port: 9999 });
      assert.equal(layered.logLevel, 'debug');
      const flagged = loadServeConfig({ config: file, 'metrics-token': 'flag-token-0123456789' }, { VOLLEY_METRICS_TOKEN: 'env-token-0123456789' });
      assert.equal(flagged.metrics?.token, 'flag-token-0123456789');
      const plain = loadServeConfig({ metrics: true }, {});
      assert.deepEqual(plain.metrics, { enabled: true });
      assert.equal(loadServeConfig({}, {}).metrics, undefined);
      assert.equal(loadServeConfig({}, {}).logLevel, 'info');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('on a terminal, log lines are readable text', () => {
    const line = readableLine(JSON.stringify({ level: 'warn', time: '2026-12-03T12:00:01.000Z', pid: 1, event: 'slow_consumer', conn: 'c-1', user: 'bob', msg: 'slow consumer cut' }));
    assert.equal(line, '12:00:01 WARN  slow_consumer: slow consumer cut conn=c-1 user=bob\n');
  });
});
