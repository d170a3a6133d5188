// A real `volley serve` child for the abuse tests, and what we measure of it from outside:
// resident memory (VmRSS) and open file descriptors, read from /proc.

import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before } from 'node:test';
import { buildOnce, killAll, startServe, type Served } from '../cli/helpers.js';

export const SECRET = 'abuse-tests-secret-of-at-least-32-characters';
export const API_KEY = 'abuse-tests-api-key';

export interface AbuseServer extends Served {
  pid: number;
  /** ws://127.0.0.1:PORT/connection/websocket */
  hubUrl: string;
  port: number;
  /** Everything the server wrote to stderr so far. */
  stderr: () => string;
}

/** `volley serve` on its defaults plus `extraArgs`, with a secret and an API key so the tests can mint tokens and read /api/info. */
export async function startAbuseServer(extraArgs: string[] = [], env: Record<string, string> = {}): Promise<AbuseServer> {
  await buildOnce();
  const served = await startServe(['--secret', SECRET, '--api-key', API_KEY, ...extraArgs], env);
  let stderr = '';
  served.child.stderr!.on('data', (s: string) => (stderr += s));
  const port = Number(new URL(served.httpBase).port);
  return {
    ...served,
    pid: served.child.pid!,
    port,
    hubUrl: served.echoUrl.replace(/\/echo$/, '/connection/websocket'),
    stderr: () => stderr,
  };
}

/** Fails when the child has exited (the attack took the server down). */
export function assertAlive(server: AbuseServer): void {
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    throw new Error(`volley serve died (exit ${server.child.exitCode}, signal ${server.child.signalCode}); stderr:\n${server.stderr().slice(-2000)}`);
  }
}

/** Resident memory of a process in MiB. */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}

/** Open file descriptors of a process (sockets included). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Samples a process's RSS every few milliseconds and keeps the peak. */
/**
 * One `volley serve` for the tests of a describe block, started before them and stopped after,
 * its RSS sampled all along and printed at the end under `label`. Call it inside the block.
 */
export function sharedAbuseServer(label: string): { readonly server: AbuseServer; readonly rss: RssSampler } {
  let server: AbuseServer | undefined;
  let rss: RssSampler | undefined;
  before(async () => {
    server = await startAbuseServer();
    rss = new RssSampler(server.pid);
  });
  after(async () => {
    rss?.stop();
    if (rss) console.log(rss.describe(label));
    await server?.stop();
    killAll();
  });
  return {
    get server() {
      if (server === undefined) throw new Error('the abuse server is not started yet');
      return server;
    },
    get rss() {
      if (rss === undefined) throw new Error('the abuse server is not started yet');
      return rss;
    },
  };
}

export class RssSampler {
  readonly baseline: number;
  peak: number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.baseline = rssMiB(pid);
    this.peak = this.baseline;
    this.timer = setInterval(() => this.sample(), 50);
  }

  sample(): number {
    let now = this.peak;
    try {
      now = rssMiB(this.pid);
    } catch {
      // The process is gone; assertAlive() reports that.
    }
    this.peak = Math.max(this.peak, now);
    return now;
  }

  /** Peak minus baseline, in MiB. */
  get growth(): number {
    return this.peak - this.baseline;
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** One line for the test output. */
  describe(what: string): string {
    return `${what}: RSS ${this.baseline.toFixed(1)} MiB before, peak ${this.peak.toFixed(1)} MiB (+${this.growth.toFixed(1)} MiB)`;
  }
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs` (a failure deadline, never a pause). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000, everyMs = 50): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves true when `promise` settles within `ms`, false otherwise; leaves no timer behind either way. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request on a fresh connection that is closed afterwards (no keep-alive socket left in the server's fd count). */
export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method ?? 'GET',
        agent: false,
        headers: { connection: 'close', ...options.headers },
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => (body += s));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POST /api/METHOD with the API key; the parsed JSON answer and its status. */
export async function api(server: AbuseServer, method: string, body: unknown): Promise<{ status: number; json: any; raw: string }> {
  const answer = await httpRequest(`${server.httpBase}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `apikey ${API_KEY}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  let json: any;
  try {
    json = JSON.parse(answer.body);
  } catch {
    json = undefined;
  }
  return { status: answer.status, json, raw: answer.body };
}

/** The hub's own counters through /api/info. */
export async function hubInfo(server: AbuseServer): Promise<{ connections: number; channels: number; stats: Record<string, number> }> {
  const { status, json, raw } = await api(server, 'info', {});
  if (status !== 200) throw new Error(`/api/info answered ${status}: ${raw}`);
  return json.result;
}

/** Lines of a log that look like a JavaScript stack trace. */
export function stackTraceLines(log: string): string[] {
  return log.split('\n').filter((line) => /^\s+at .+(\(|:\d+:\d+)/.test(line));
}
