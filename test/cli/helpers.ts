// Runs the real `volley` binary (bin/volley.js over a fresh build) for the CLI tests.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'volley.js');
const LOCK = join(tmpdir(), `volley-cli-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`);
const STAMP = join(ROOT, 'dist', '.cli-test-build');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** A lock older than this was left by a killed run (a build takes seconds). */
const STALE_LOCK_MS = 60_000;

/**
 * Compiles src/ into dist/ unless dist/ is newer than every source (test files run in
 * parallel: the first one compiles, the others find it done). This is the compile step of
 * `npm run build` without its clean, so that other test files never see dist/ vanish.
 * tsc still emits when other people's files have type errors: then the CLI is tested on
 * that output with a warning. Errors in src/cli fail.
 */
export async function buildOnce(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmdirSync(LOCK);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    if (existsSync(STAMP) && statSync(STAMP).mtimeMs > newestSource()) return;
    const result = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    const output = `${result.stdout}${result.stderr}`;
    if (result.status !== 0) {
      if (/src\/cli\//.test(output) || !existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error(`the build failed:\n${output}`);
      process.stderr.write(`warning: the build reported errors outside src/cli:\n${output}\n`);
    }
    writeFileSync(STAMP, '');
  } finally {
    rmdirSync(LOCK);
  }
}

function newestSource(): number {
  let newest = Math.max(...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(ROOT, f)).mtimeMs));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  walk(join(ROOT, 'src'));
  return newest;
}

const children = new Set<ChildProcess>();
// A test file that ends without its after() hooks (a failed before(), a timeout) leaves no servers behind.
process.once('exit', () => killAll());

/** Kills whatever a test left running. Call it from after(). */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `node SCRIPT ARGS` in the repository with piped stdio; killAll() stops it. */
export function spawnNode(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Starts `volley ARGS` with piped stdio. */
export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawnNode(BIN, args, env);
}

/** Collects a child's output until it exits. */
export async function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** Runs `volley ARGS`, writes `input` to its stdin and closes it, and waits for the exit. */
export function runCli(args: string[], input = '', env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawnCli(args, env);
  const result = finished(child);
  child.stdin!.end(input);
  return result;
}

export interface Served {
  child: ChildProcess;
  /** ws://127.0.0.1:PORT/echo */
  echoUrl: string;
  /** http://127.0.0.1:PORT */
  httpBase: string;
  stdout: () => string;
  /** Sends SIGTERM and resolves with the exit code and stderr. */
  stop(): Promise<CliResult>;
}

/** `volley serve --port 0` on loopback (no drain delay unless given), resolved once it printed its URLs. */
export async function startServe(extraArgs: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const drain = extraArgs.includes('--drain-delay') ? [] : ['--drain-delay', '0'];
  const child = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', ...drain, ...extraArgs], env);
  const result = finished(child);
  let out = '';
  const echoUrl = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (s: string) => {
      out += s;
      const match = /ws:\/\/127\.0\.0\.1:\d+\/echo/.exec(out);
      if (match) resolve(match[0]);
    });
    child.once('exit', (code) => reject(new Error(`volley serve exited with ${code} before listening`)));
  });
  return {
    child,
    echoUrl,
    httpBase: echoUrl.replace('ws://', 'http://').replace(/\/echo$/, ''),
    stdout: () => out,
    async stop() {
      child.kill('SIGTERM');
      return result;
    },
  };
}
