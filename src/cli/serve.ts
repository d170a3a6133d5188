// The server behind `volley serve`: one VolleyServer (hub endpoint, publish API, client
// bundle, demo pages, connection limits) on the broker the config names, with the routes
// only `volley serve` has asked first: the /echo contract, the page listing the endpoints
// and the demo's status endpoint.

import type { AddressInfo } from 'node:net';
import { brokerFromUrl } from '../broker/index.js';
import type { Broker } from '../broker/broker.js';
import { demoServerOptions, demoStaticDir, startDemo, type Demo } from '../demo/index.js';
import { STATUS_PATH } from '../demo/protocol.js';
import { SERVER_DEFAULTS } from '../server/defaults.js';
import { createServer, type VolleyServer, type VolleyServerOptions } from '../server/index.js';
import { createEchoEndpoint } from './echo-endpoint.js';
import type { ServeConfig } from './serve-config.js';
import type { Endpoint, ServeRoute } from './serve-route.js';
import { createStatusPage } from './status-page.js';
import { serveMqttOptions } from './serve-mqtt.js';
import { devicesNamespaces } from '../demo/devices.js';
import { startDeviceSimulator, type DeviceSimulator } from '../demo/device-simulator.js';

export interface ServeOptions {
  config: ServeConfig;
  version: string;
}

export interface RunningServer {
  readonly server: VolleyServer;
  readonly address: AddressInfo;
  /** Every endpoint with its URL as seen from this machine. */
  readonly endpoints: readonly (Endpoint & { url: string })[];
  /** Graceful shutdown: WebSocket clients are closed with 1001, then the port is released. */
  close(): Promise<void>;
  /** Cuts every remaining connection now (a second Ctrl-C). */
  terminate(): void;
}

/** createServer's options for a config; `volley serve` adds its routes and broker. */
export function serverOptionsOf(config: ServeConfig): VolleyServerOptions {
  const limits = { ...(config.maxMessageSize === undefined ? {} : { maxMessageSize: config.maxMessageSize }), ...config.limits };
  const passThrough = [
    'host', 'origins', 'channels', 'connectTimeoutMs', 'presenceTtlMs', 'heartbeatIntervalMs', 'shutdownTimeoutMs',
    'websocket', 'maxConnections', 'maxConnectionsPerAddress', 'exemptLoopback', 'handshakeTimeoutMs', 'requestTimeoutMs', 'idleTimeoutMs',
    'transports',
  ] as const satisfies readonly (keyof ServeConfig & keyof VolleyServerOptions)[];
  const options: VolleyServerOptions = {
    port: config.port,
    allowAnonymous: config.allowAnonymous,
    perMessageDeflate: config.perMessageDeflate,
    namespaces: { ...(config.demo ? demoServerOptions().namespaces : {}), ...config.namespaces },
    limits,
  };
  for (const key of passThrough) if (config[key] !== undefined) Object.assign(options, { [key]: config[key] });
  const mqtt = serveMqttOptions(config);
  if (mqtt !== undefined) {
    options.mqtt = mqtt;
    if (config.demo) options.namespaces = { ...devicesNamespaces(), ...options.namespaces };
  }
  if (config.secret !== undefined) options.auth = { hmacSecret: config.secret };
  if (config.apiKey !== undefined) options.api = { apiKey: config.apiKey };
  if (config.demo) options.staticDir = demoStaticDir();
  return options;
}

function hubEndpoints(config: ServeConfig): Endpoint[] {
  const endpoints: Endpoint[] = [{ kind: 'ws', path: SERVER_DEFAULTS.websocketPath, description: 'real-time hub (subprotocol volley.v1)' }];
  if (config.transports?.enabled !== false) {
    endpoints.push(
      { kind: 'http', path: '/connection/sse', description: 'hub over SSE, HTTP streaming (/stream) or long-polling (/poll), commands by POST /connection/send' },
      { kind: 'http', path: '/connection/events?channel=CHANNEL', description: 'one-way SSE of channels for EventSource or curl -N' },
    );
  }
  if (config.apiKey !== undefined) endpoints.push({ kind: 'http', path: '/api/publish', description: 'HTTP publish API (Authorization: apikey KEY)' });
  endpoints.push({ kind: 'http', path: '/volley-client.js', description: 'browser client (ES module)' });
  if (config.demo) {
    endpoints.push(
      { kind: 'http', path: '/chat.html', description: 'demo: chat' },
      { kind: 'http', path: '/live.html', description: 'demo: live market data' },
      { kind: 'http', path: '/docs.html', description: 'demo: shared documents' },
      { kind: 'http', path: '/game.html', description: 'demo: multiplayer arena' },
      ...(config.mqtt === undefined ? [] : [{ kind: 'http' as const, path: '/devices.html', description: 'demo: MQTT devices' }]),
      { kind: 'http', path: '/status.html', description: 'demo: server status' },
      { kind: 'http', path: STATUS_PATH, description: 'demo: server status (JSON)' },
    );
  }
  return endpoints;
}

/** Starts everything; rejects (naming the URL) when the broker is unreachable, or with the listen error. */
export async function startServer({ config, version }: ServeOptions): Promise<RunningServer> {
  const broker: Broker | undefined = config.broker === 'memory' ? undefined : await brokerFromUrl(config.broker);
  let demo: Demo | null = null;
  const echo = createEchoEndpoint('/echo', { perMessageDeflate: config.perMessageDeflate, ...(config.websocket === undefined ? {} : { limits: config.websocket }) });
  const routes: ServeRoute[] = [echo];
  const hub = hubEndpoints(config);
  const listing = () => [...routes.flatMap((r) => r.endpoints), ...hub];
  // With the demo, its index page is `/` and this list moves aside.
  routes.push(createStatusPage(listing, version, config.demo ? '/endpoints' : '/'));
  // The demo's status endpoint is started with the server below; until then it answers nothing.
  routes.push({ endpoints: [], handleRequest: (req, res) => demo?.handleRequest(req, res) === true });

  let server: VolleyServer;
  try {
    server = createServer({ ...serverOptionsOf(config), ...(broker === undefined ? {} : { broker }), routes });
  } catch (err) {
    await broker?.close();
    throw err;
  }
  let address: AddressInfo;
  try {
    address = await server.listen();
  } catch (err) {
    await server.close();
    await broker?.close();
    throw err;
  }
  if (config.demo) demo = startDemo(server, { mountStatus: false });
  // The Devices demo's heaters, on the bridge's broker; the page works without them (it says so).
  const mqtt = server.mqttBridge === undefined ? undefined : serveMqttOptions(config);
  const devices: DeviceSimulator | undefined = mqtt !== undefined && config.demo
    ? await startDeviceSimulator({ url: mqtt.url, ...(mqtt.username === undefined ? {} : { username: mqtt.username }), ...(mqtt.password === undefined ? {} : { password: mqtt.password }) })
      .catch((error: unknown) => {
        console.warn(`volley serve: the demo's MQTT devices did not start: ${(error as Error).message}`);
        return undefined;
      })
    : undefined;

  const base = hostForUrl(address.address, address.port);
  const endpoints = listing().map((e) => ({ ...e, url: `${e.kind}://${base}${e.path}` }));
  let closing: Promise<void> | undefined;
  return {
    server,
    address,
    endpoints,
    close: () =>
      (closing ??= (async () => {
        await demo?.stop();
        await devices?.stop();
        await server.close();
        await broker?.close();
      })()),
    terminate: () => server.terminate(),
  };
}

/** host:port for a URL; the wildcard addresses become the loopback name a local client can use. */
function hostForUrl(address: string, port: number): string {
  if (address === '0.0.0.0' || address === '::') return `127.0.0.1:${port}`;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
