// A mosquitto process of the test's own, on a free port with persistence in its own
// directory, so it can be stopped and started again with its sessions and queued messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portOpen } from '../../cluster/engines.js';

export const MOSQUITTO = process.env.MOSQUITTO ?? 'mosquitto';

export class PrivateMosquitto {
  private process: ChildProcess | undefined;

  private constructor(readonly port: number, private readonly dir: string) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async create(): Promise<PrivateMosquitto> {
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
    return new PrivateMosquitto(port, dir);
  }

  async start(): Promise<void> {
    const child = spawn(MOSQUITTO, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: 'ignore' });
    this.process = child;
    const failed = new Promise<never>((_, reject) => child.once('error', reject));
    failed.catch(() => {});
    for (let i = 0; i < 400; i++) {
      if (await Promise.race([portOpen('127.0.0.1', this.port), failed])) return;
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode} before listening on ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`mosquitto did not start on port ${this.port}`);
  }

  /** SIGTERM (mosquitto saves its persistence file on the way out) and wait for the exit. */
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

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
