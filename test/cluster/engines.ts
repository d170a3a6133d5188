// Test support for the Redis and NATS brokers: is the shared service there, a unique
// prefix per run, and private engine processes (on a free port, with their own data
// directory) for tests that stop or restart an engine. The machine's shared services on
// 6379 and 4222 are never stopped.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const REDIS_URL = process.env.VOLLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const NATS_URL = process.env.VOLLEY_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';
export const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';
export const MOSQUITTO = process.env.MOSQUITTO ?? 'mosquitto';

/** A prefix no other test run uses, so runs against the shared engines never collide. */
export function uniquePrefix(name: string): string {
  return `vt${name}${randomBytes(4).toString('hex')}`;
}

/**
 * undefined when the service answers; otherwise a reason to skip, printed on one line.
 * With CI=true a missing service is a failure, not a skip.
 */
export async function serviceSkipReason(name: string, url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  if (await portOpen(hostname, Number(port))) return undefined;
  const reason = `${name} not reachable at ${url}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: engine tests must run)`);
  console.log(`# skipping: ${reason}`);
  return reason;
}

/**
 * undefined when the engine binary at `path` runs (`--version` exits 0); otherwise a reason
 * to skip, printed on one line. With CI=true a binary that cannot run is a failure.
 */
export function binarySkipReason(name: string, path: string): string | undefined {
  const probe = spawnSync(path, ['--version'], { stdio: 'ignore', timeout: 10_000 });
  if (probe.error === undefined && probe.status === 0) return undefined;
  const reason = `${name} cannot be run (${path})`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: engine fault tests must run)`);
  console.log(`# skipping: ${reason}`);
  return reason;
}

export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** An engine process of the test's own, restartable on the same port and data. */
export class PrivateEngine {
  private process: ChildProcess | undefined;

  private constructor(
    readonly name: string,
    readonly url: string,
    readonly port: number,
    private readonly dir: string,
    private readonly command: string,
    private readonly args: string[],
  ) {}

  /** redis-server with append-only persistence, so a restart keeps the streams. */
  static async redis(): Promise<PrivateEngine> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'volley-redis-'));
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'no'];
    return new PrivateEngine('redis-server', `redis://127.0.0.1:${port}`, port, dir, REDIS_SERVER, args);
  }

  /** nats-server with JetStream in a temporary store directory. */
  static async nats(): Promise<PrivateEngine> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'volley-nats-'));
    const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir];
    return new PrivateEngine('nats-server', `nats://127.0.0.1:${port}`, port, dir, NATS_SERVER, args);
  }

  /**
   * mosquitto with persistence in its own directory, so a restart keeps its sessions and
   * queued messages (for the MQTT bridge's fault tests).
   */
  static async mosquitto(): Promise<PrivateEngine> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'volley-mosquitto-'));
    // Started as root, mosquitto drops to its own user: it must be able to write its database here.
    chmodSync(dir, 0o777);
    writeFileSync(
      join(dir, 'mosquitto.conf'),
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence true',
        `persistence_location ${dir}/`,
        // Queue enough for a persistent session that is away during the test (default 1000).
        'max_queued_messages 100000',
        'log_dest none',
        '',
      ].join('\n'),
    );
    return new PrivateEngine('mosquitto', `mqtt://127.0.0.1:${port}`, port, dir, MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')]);
  }

  async start(): Promise<void> {
    const child = spawn(this.command, this.args, { stdio: 'ignore' });
    this.process = child;
    const failed = new Promise<never>((_, reject) => child.once('error', reject));
    failed.catch(() => {});
    for (let i = 0; i < 400; i++) {
      if (await Promise.race([portOpen('127.0.0.1', this.port), failed])) return;
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode} before listening on ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`${this.name} did not start on port ${this.port}`);
  }

  /** Stops the process (SIGTERM, so that it saves its data; SIGKILL after 5 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Freezes the process (SIGSTOP): its port stays open and accepts, nothing is answered. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  /** Lets a paused process run again (SIGCONT). */
  resume(): void {
    this.process?.kill('SIGCONT');
  }

  async destroy(): Promise<void> {
    this.resume(); // a stopped process ignores SIGTERM until it runs again
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls on wall time: engines answer over the network, not in event-loop turns. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms`);
}
