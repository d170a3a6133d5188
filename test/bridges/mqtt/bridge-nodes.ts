// Spawns bridge-node.ts processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./bridge-node.ts', import.meta.url));

export interface BridgeNode {
  port: number;
  url: string;
  child: ChildProcess;
}

export async function startBridgeNode(brokerUrl: string, bridgeOptions: Record<string, unknown>): Promise<BridgeNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, brokerUrl, JSON.stringify(bridgeOptions)], {
    stdio: ['ignore', 'pipe', process.env.VOLLEY_TEST_VERBOSE ? 'inherit' : 'ignore'],
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bridge node did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`bridge node exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return { port, url: `ws://127.0.0.1:${port}/connection/websocket`, child };
}

/** SIGTERM (graceful) or SIGKILL; resolves when the process is gone. */
export async function stopBridgeNode(node: BridgeNode, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill(signal);
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
