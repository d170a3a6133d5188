// The server behind `volley serve`: one HTTP server on one port, and the mounts that share it.
// Every request and upgrade goes to the first mount that claims its path; unclaimed paths get
// 404. Order: the /echo contract, the page listing the endpoints, then the real-time server
// (which, with the demo on, serves the demo pages for every remaining path).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { abortHandshake } from '../ws/index.js';
import { createEchoEndpoint } from './echo-endpoint.js';
import { sendText, type Endpoint, type Mount } from './mount.js';
import { createStatusPage } from './status-page.js';
import type { ServeConfig } from './serve-config.js';
import { createVolleyMount } from './volley-mount.js';

export interface ServeOptions {
  config: ServeConfig;
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

async function createMounts(config: ServeConfig, version: string, gracePeriodMs: number): Promise<Mount[]> {
  const mounts: Mount[] = [createEchoEndpoint('/echo')];
  const endpoints = () => mounts.flatMap((m) => m.endpoints);
  // With the demo, its index page is `/` and this list moves aside.
  mounts.push(createStatusPage(endpoints, version, config.demo ? '/endpoints' : '/'));
  mounts.push(await createVolleyMount(config, gracePeriodMs));
  return mounts;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { port, host } = options.config;
  const gracePeriodMs = options.gracePeriodMs ?? DEFAULT_GRACE_MS;
  const mounts = await createMounts(options.config, options.version, gracePeriodMs);
  const server = http.createServer((req, res) => {
    if (!mounts.some((m) => m.handleRequest?.(req, res))) sendText(res, 404, 'Not Found\n');
  });
  server.on('upgrade', (req, socket, head) => {
    if (!mounts.some((m) => m.handleUpgrade?.(req, socket, head))) abortHandshake(socket, 404, 'No WebSocket endpoint at this path');
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await Promise.all(mounts.map((m) => m.close()));
    throw err;
  }
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
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, gracePeriodMs)));
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
