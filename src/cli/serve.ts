// The server behind `volley serve`: one HTTP server on one port, and the mounts that share it.
// Every request and upgrade goes to the first mount that claims its path; unclaimed paths get
// 404. The real-time hub joins as one more Mount in createMounts(), ahead of the status page.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { abortHandshake } from '../ws/index.js';
import { createEchoEndpoint } from './echo-endpoint.js';
import { sendText, type Endpoint, type Mount } from './mount.js';
import { createStatusPage } from './status-page.js';

export interface ServeOptions {
  port: number;
  host: string;
  /** Milliseconds close() waits for clients to finish their closing handshake. */
  gracePeriodMs?: number;
  version: string;
}

export interface RunningServer {
  readonly address: AddressInfo;
  /** Every endpoint with its URL as seen from this machine. */
  readonly endpoints: readonly (Endpoint & { url: string })[];
  /** Graceful shutdown: WebSocket clients are closed with 1001, then the port is released. */
  close(): Promise<void>;
  /** Cuts every remaining connection now (a second Ctrl-C). */
  terminate(): void;
}

const DEFAULT_GRACE_MS = 5_000;

function createMounts(version: string): Mount[] {
  const mounts: Mount[] = [createEchoEndpoint('/echo')];
  const endpoints = () => mounts.flatMap((m) => m.endpoints);
  mounts.push(createStatusPage(endpoints, version));
  return mounts;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const mounts = createMounts(options.version);
  const server = http.createServer((req, res) => {
    if (!mounts.some((m) => m.handleRequest?.(req, res))) sendText(res, 404, 'Not Found\n');
  });
  server.on('upgrade', (req, socket, head) => {
    if (!mounts.some((m) => m.handleUpgrade?.(req, socket, head))) abortHandshake(socket, 404, 'No WebSocket endpoint at this path');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const base = hostForUrl(address.address, address.port);
  const endpoints = mounts.flatMap((m) => m.endpoints).map((e) => ({ ...e, url: `${e.kind}://${base}${e.path}` }));

  let closing: Promise<void> | undefined;
  const terminate = () => {
    for (const m of mounts) m.terminate();
    server.closeAllConnections();
  };
  const shutdown = async () => {
    const released = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const graceful = Promise.all(mounts.map((m) => m.close()));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.gracePeriodMs ?? DEFAULT_GRACE_MS)));
    await Promise.race([graceful, expired]);
    clearTimeout(timer);
    terminate();
    await released;
  };

  return {
    address,
    endpoints,
    close: () => (closing ??= shutdown()),
    terminate,
  };
}

/** host:port for a URL; the wildcard addresses become the loopback name a local client can use. */
function hostForUrl(address: string, port: number): string {
  if (address === '0.0.0.0' || address === '::') return `127.0.0.1:${port}`;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
