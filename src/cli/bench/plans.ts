// Splits the run over the worker processes.

import type { WorkerPlan } from './ipc.js';
import type { BenchOptions } from './options.js';

export const HANDSHAKE_TIMEOUT_MS = 10_000;
export const PROGRESS_INTERVAL_MS = 250;

/** `total` split into `parts` shares that differ by at most one, larger ones first. */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/**
 * One plan per worker. There are never more workers than units of load (connections, or
 * for connect the cycles in flight), so every worker has something to do.
 */
export function planWorkers(options: BenchOptions): WorkerPlan[] {
  const units = options.scenario === 'connect' ? options.inFlight : options.connections;
  const shares = split(units, Math.min(options.workers, units));
  return shares.map((share, i) => ({
    scenario: options.scenario,
    url: options.url,
    subUrl: options.subUrl,
    pubUrl: options.pubUrl,
    connections: options.scenario === 'connect' ? 0 : share,
    inFlight: options.scenario === 'connect' ? share : options.inFlight,
    publisher: options.scenario === 'broadcast' && i === 0,
    rate: options.rate,
    size: options.size,
    binary: options.binary,
    warmupMs: options.warmupSeconds * 1000,
    durationMs: options.durationSeconds * 1000,
    handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    progressIntervalMs: PROGRESS_INTERVAL_MS,
  }));
}
