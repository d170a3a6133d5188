// Spawns Volley node processes (node-process.ts through tsx) that share one broker URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./node-process.ts', import.meta.url));

export interface NodeProcess {
  port: number;
  child: ChildProcess;
}

export async function startNode(brokerUrl: string, presenceTtlMs: number): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, brokerUrl, String(presenceTtlMs)], {
    // The hub logs every refused broker call during an outage; VOLLEY_TEST_VERBOSE shows them.
    stdio: ['ignore', 'pipe', process.env.VOLLEY_TEST_VERBOSE ? 'inherit' : 'ignore'],
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('node process did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`node process exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return { port, child };
}

/** SIGTERM (graceful) or SIGKILL (a node that dies); resolves when the process is gone. */
export async function stopNode(node: NodeProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill(signal);
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
