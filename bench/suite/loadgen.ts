// The Go load generator (bench/loadgen): built with the `go` of Debian's golang-go on first
// use (and again when its sources change) into bench/bin/loadgen, run pinned to the load's
// core, one JSON line per run. Without Go the suite falls back to volley bench's Node workers.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LOAD_CORE } from './machine.js';

/** What one run of the Go load generator printed (the fields the suite reads). */
export interface GoResult {
  per_second?: number;
  mb_per_second?: number;
  latency_us?: { count: number; p50: number; p90: number; p99: number; p999: number; max: number };
  loadgen_cpu_pct?: number;
  server_cpu_pct?: number;
  server2_cpu_pct?: number;
  server_rss?: number;
  machine_cpu_pct?: number;
  rss_per_connection?: number;
  wire_bytes_per_delivery?: number;
  connections?: number;
  subscribers?: number;
  errors?: number;
  error_messages?: string[] | null;
  error?: string;
}

export interface GoLoadgen {
  binary: string;
  goVersion: string;
}

const INSTALL_HINT = 'apt-get install -y golang-go';

function goVersion(): string | null {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().replace(/^go version /, '') : null;
}

/** The binary, built when missing or older than its sources; null (with the reason printed) without Go. */
export function goLoadgen(benchDir: string): GoLoadgen | null {
  const src = path.join(benchDir, 'loadgen');
  const binary = path.join(benchDir, 'bin', 'loadgen');
  const version = goVersion();
  if (version === null) {
    console.warn(`Go is not installed (${INSTALL_HINT}): falling back to volley bench's Node workers,` +
      ' which saturate before Volley does; the hub and Socket.IO scenarios need the Go load generator and are skipped');
    return null;
  }
  const newest = Math.max(...fs.readdirSync(src).map((f) => fs.statSync(path.join(src, f)).mtimeMs));
  if (!fs.existsSync(binary) || fs.statSync(binary).mtimeMs < newest) {
    console.log(`go build -o bench/bin/loadgen ./bench/loadgen (${version})`);
    // Standard library only: nothing is downloaded. A build cache of its own when there is no HOME for Go's.
    const env = { ...process.env, CGO_ENABLED: '0', ...(process.env.HOME || process.env.GOCACHE ? {} : { GOCACHE: path.join(benchDir, 'bin', '.gocache') }) };
    const r = spawnSync('go', ['build', '-o', binary, '.'], { cwd: src, encoding: 'utf8', env });
    if (r.status !== 0) {
      console.warn(`building the Go load generator failed; falling back to the Node load generator:\n${`${r.stdout}${r.stderr}`.trim()}`);
      return null;
    }
  }
  return { binary, goVersion: version };
}

/** Runs the load generator with `args`, pinned to the load core when `pinned`; its JSON result, or an error text. */
export function runGo(g: GoLoadgen, args: string[], pinned: boolean, timeoutMs: number): Promise<GoResult> {
  const cmd = pinned ? 'taskset' : g.binary;
  const argv = pinned ? ['-c', String(LOAD_CORE), g.binary, ...args] : args;
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(line) as { result: GoResult };
        resolve(parsed.result);
      } catch {
        resolve({ error: `loadgen exited ${code}: ${(err || out).trim().split('\n').slice(-3).join(' ') || 'no output'}` });
      }
    });
  });
}
