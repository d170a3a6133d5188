// Open files for the scale rows: 100,000 connections need 100,000 descriptors in the server
// and in the load generator, five times this machine's default limit. As root (with
// CAP_SYS_RESOURCE) the limit of the running server is raised with prlimit(1) and the Go load
// generator raises its own (setrlimit); without it, only up to the hard limit, and a
// scenario needing more is skipped with a line saying so.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Descriptors a process needs besides one per connection. */
export const FD_HEADROOM = 1024;

/** The soft and hard open-files limits of this process. */
export function openFileLimits(): { soft: number; hard: number } {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const [, soft, hard] = line?.split(/\s{2,}/) ?? [];
    const value = (v: string | undefined) => (v === undefined || v === 'unlimited' ? Infinity : Number(v));
    return { soft: value(soft), hard: value(hard) };
  } catch {
    return { soft: Infinity, hard: Infinity };
  }
}

/** Whether this process may raise resource limits past the hard one (CAP_SYS_RESOURCE, bit 24). */
export function canRaiseHardLimit(): boolean {
  try {
    const eff = /^CapEff:\s+([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return eff !== undefined && (BigInt(`0x${eff}`) & (1n << 24n)) !== 0n;
  } catch {
    return false;
  }
}

/** Why `n` open files cannot be had by the server and the load generator, or null when they can. */
export function openFilesProblem(n: number): string | null {
  const { hard } = openFileLimits();
  if (n <= hard) return null;
  if (canRaiseHardLimit() && spawnSync('prlimit', ['--version']).status === 0) return null;
  return `needs ~${n} open files per process; the hard limit is ${hard} and this process cannot raise it` +
    ' (needs root with CAP_SYS_RESOURCE, and prlimit from util-linux; in a container: --ulimit nofile=… or --cap-add SYS_RESOURCE)';
}

/** Raises a running process's open-files limit to n (soft and, when needed, hard) with prlimit; throws with the reason when it cannot. */
export function raiseOpenFiles(pid: number, n: number): void {
  const r = spawnSync('prlimit', ['--pid', String(pid), `--nofile=${n}:${Math.max(n, openFileLimits().hard)}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot raise the server's open-files limit to ${n}: ${(r.stderr || r.error?.message || '').trim()}`);
}
