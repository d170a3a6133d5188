// What the suite reads from the machine: cores and how busy they are, a process's CPU and
// memory (Linux /proc), the file-descriptor limit, and pinning processes to cores.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** Core of the servers; the load generator (this process and its workers) takes core 0. */
export const SERVER_CORE = 1;
export const LOAD_CORE = 0;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export function hasTaskset(): boolean {
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

/** Pins this process and every thread of it to `core`; forked workers inherit it. */
export function pinSelf(core: number): boolean {
  return spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** The soft limit of open files of this process (its workers inherit it). */
export function fdLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return Infinity;
  }
}

/** User + system CPU time of a process so far, in ms; null when it cannot be read. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND; // utime, stime
  } catch {
    return null;
  }
}

/** Resident memory of a process, in bytes; null when it cannot be read. */
export function processRss(pid: number): number | null {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

/** Busy and total time of every core so far (jiffies), from /proc/stat. */
export type CoreTimes = Array<{ busy: number; total: number }>;

export function coreTimes(): CoreTimes {
  try {
    return readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d/.test(l)).map((l) => {
      const n = l.split(/\s+/).slice(1, 9).map(Number);
      const total = n.reduce((a, b) => a + b, 0);
      return { busy: total - n[3]! - n[4]!, total };
    });
  } catch {
    return [];
  }
}

/** CPU time all cores spent busy between two readings, in % of one core (200 = both cores full). */
export function busyPercent(before: CoreTimes, after: CoreTimes): number | null {
  if (before.length === 0 || before.length !== after.length) return null;
  let sum = 0;
  for (const [i, b] of before.entries()) {
    const a = after[i]!;
    sum += (a.busy - b.busy) / Math.max(1, a.total - b.total);
  }
  return 100 * sum;
}

/**
 * Other sessions share this machine: before a run, waits up to `limitMs` until no core is
 * more than 30% busy, so a neighbour's burst does not land in one run. Returns how busy the
 * busiest core was at the end, in %.
 */
export async function waitForQuiet(limitMs: number): Promise<number> {
  const busiest = async (ms: number) => {
    const a = coreTimes();
    await sleep(ms);
    const b = coreTimes();
    return Math.max(0, ...a.map((x, i) => (b[i]!.busy - x.busy) / Math.max(1, b[i]!.total - x.total)));
  };
  const end = Date.now() + limitMs;
  let busy = await busiest(limitMs > 0 ? 300 : 100);
  while (busy > 0.3 && Date.now() < end) busy = await busiest(1000);
  return Math.round(busy * 100);
}

export interface MachineInfo {
  cpu: string | undefined;
  cores: number;
  memGB: number;
  kernel: string;
  node: string;
  /** The peers' package versions (bench/peers, else the project's ws). */
  peers: Record<string, string>;
  /** `go version` of the Go load generator's build, when it was used. */
  go: string | null;
  commit: string;
  /** Uncommitted changes in src/ when the run started. */
  dirty: boolean;
  loadavg: number[];
  fdLimit: number;
  pinned: boolean;
}

export function machineInfo(rootDir: string, pinned: boolean, peers: Record<string, string>, go: string | null): MachineInfo {
  const git = (args: string[]) => spawnSync('git', args, { cwd: rootDir, encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    cpu: os.cpus()[0]?.model, cores: os.cpus().length, memGB: Math.round(os.totalmem() / 1e9),
    kernel: os.release(), node: process.version, peers, go,
    commit: git(['rev-parse', '--short', 'HEAD']), dirty: git(['status', '--porcelain', '--', 'src']) !== '',
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))), fdLimit: fdLimit(), pinned,
  };
}
