// The peer servers (bench/servers/*.mjs): one fresh process per run, pinned to the server
// core, on a free port it names in its ready line.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SERVER_CORE } from './machine.js';
import type { ServerName } from './scenarios.js';

export const SERVER_SCRIPTS: Record<ServerName, string> = {
  volley: 'volley.mjs',
  ws: 'ws.mjs',
  net: 'net-echo.mjs',
};

const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 2000;

export interface RunningServer {
  name: ServerName;
  child: ChildProcess;
  pid: number;
  /** ws://127.0.0.1:PORT */
  url: string;
  /** The last lines it wrote to stderr. */
  stderr: () => string;
}

function start(benchDir: string, name: ServerName, pinned: boolean, nodeFlags: string[]): Promise<RunningServer> {
  const node = [...nodeFlags, path.join(benchDir, 'servers', SERVER_SCRIPTS[name]), '0'];
  const child = pinned
    ? spawn('taskset', ['-c', String(SERVER_CORE), process.execPath, ...node], { cwd: path.dirname(benchDir), stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, node, { cwd: path.dirname(benchDir), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}: no ready line in ${READY_TIMEOUT_MS / 1000} s`));
    }, READY_TIMEOUT_MS);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const ready = /^ready \S+ (\d+) pid (\d+)/m.exec(out);
      if (!ready) return;
      clearTimeout(timer);
      resolve({ name, child, pid: Number(ready[2]), url: `ws://127.0.0.1:${ready[1]}`, stderr: () => stderr });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const lines = stderr.trim().split('\n');
      reject(new Error(`${name} exited (${code}) before ready: ${lines.find((l) => /Error/.test(l)) ?? lines.pop()}`));
    });
  });
}

/**
 * Starts a server; a few tries, because `npm run build` started by someone else on this
 * machine cleans dist/ and can remove dist/ws for a few seconds.
 */
export async function startServer(benchDir: string, name: ServerName, pinned: boolean, nodeFlags: string[]): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(benchDir, name, pinned, nodeFlags);
    } catch (err) {
      if (attempt >= 3) throw err;
      console.warn(`  ${(err as Error).message}; retrying in 3 s`);
      await sleep(3000);
    }
  }
}

/** SIGTERM, then SIGKILL if it has not exited within a grace period. */
export function stopServer(server: RunningServer): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
