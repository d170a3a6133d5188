// The real-time server in `volley serve`: a detached VolleyServer (hub endpoint, publish API,
// client bundle, demo pages) on the broker the config names, plus the demo's feed.

import { brokerFromUrl } from '../broker/index.js';
import type { Broker } from '../broker/broker.js';
import { demoServerOptions, demoStaticDir, startDemo } from '../demo/index.js';
import { createServer } from '../server/index.js';
import type { Endpoint, Mount } from './mount.js';
import type { ServeConfig } from './serve-config.js';

const WEBSOCKET_PATH = '/connection/websocket';

/** Starts the hub on the configured broker; rejects (naming the URL) when the broker is unreachable. */
export async function createVolleyMount(config: ServeConfig, gracePeriodMs: number): Promise<Mount> {
  const broker: Broker | undefined = config.broker === 'memory' ? undefined : await brokerFromUrl(config.broker);
  const demoOptions = config.demo ? demoServerOptions() : {};
  const server = createServer({
    detached: true,
    ...(broker === undefined ? {} : { broker }),
    allowAnonymous: config.allowAnonymous,
    ...(config.secret === undefined ? {} : { auth: { hmacSecret: config.secret } }),
    namespaces: { ...demoOptions.namespaces, ...config.namespaces },
    ...(config.apiKey === undefined ? {} : { api: { apiKey: config.apiKey } }),
    ...(config.demo ? { staticDir: demoStaticDir() } : {}),
    ...(config.origins === undefined ? {} : { origins: config.origins }),
    perMessageDeflate: config.perMessageDeflate,
    limits: { maxMessageSize: config.maxMessageSize },
    shutdownTimeoutMs: gracePeriodMs,
  });
  try {
    await server.ready();
  } catch (err) {
    await broker?.close();
    throw err;
  }
  const demo = config.demo ? startDemo(server, { mountStatus: false }) : null;

  const endpoints: Endpoint[] = [{ kind: 'ws', path: WEBSOCKET_PATH, description: 'real-time hub (subprotocol volley.v1)' }];
  if (config.apiKey !== undefined) endpoints.push({ kind: 'http', path: '/api/publish', description: 'HTTP publish API (Authorization: apikey KEY)' });
  endpoints.push({ kind: 'http', path: '/volley-client.js', description: 'browser client (ES module)' });
  if (config.demo) {
    endpoints.push(
      { kind: 'http', path: '/chat.html', description: 'demo: chat' },
      { kind: 'http', path: '/live.html', description: 'demo: live market data' },
      { kind: 'http', path: '/docs.html', description: 'demo: shared documents' },
      { kind: 'http', path: '/status.html', description: 'demo: server status' },
      { kind: 'http', path: '/demo/status', description: 'demo: server status (JSON)' },
    );
  }

  let closed: Promise<void> | undefined;
  return {
    endpoints,
    // The demo's status endpoint first; then Volley's paths (and, with the demo, its pages for the rest).
    handleRequest: (req, res) => demo?.handleRequest(req, res) === true || server.handleRequest(req, res),
    handleUpgrade: (req, socket, head) => server.handleUpgrade(req, socket, head),
    close: () =>
      (closed ??= (async () => {
        await demo?.stop();
        await server.close();
        await broker?.close();
      })()),
    // VolleyServer.close() already cuts what is left once its shutdown timeout passes.
    terminate: () => {},
  };
}
