// The demo pages' one Volley client, connected to the server that served the page.

import { Client, type TransportName } from '../../src/client/index.js';

const TRANSPORTS: readonly TransportName[] = ['websocket', 'http-stream', 'sse', 'long-polling'];

/** ws:// or wss:// (matching the page) to this host's WebSocket endpoint. */
export function endpointUrl(location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/connection/websocket`;
}

/** `?transport=sse` (any name of the `transports` option) makes the page use only that one: try the fallbacks by hand. */
export function forcedTransport(search: string = window.location.search): TransportName | undefined {
  const name = new URLSearchParams(search).get('transport');
  return TRANSPORTS.find((known) => known === name);
}

/** A connecting client; `onState` hears 'connecting' | 'connected' | 'disconnected'. */
export function connectClient(onState: (state: string) => void): Client {
  const forced = forcedTransport();
  const client = new Client(endpointUrl(), { name: 'volley-demo', ...(forced === undefined ? {} : { transports: [forced] }) });
  client.on('state', ({ newState }) => onState(newState));
  client.on('transport', ({ transport }) => showTransport(transport));
  client.connect();
  return client;
}

/** The badge (`#transport`) that says how the page reaches the server, on pages that have one. */
function showTransport(transport: TransportName): void {
  const badge = document.getElementById('transport');
  if (badge === null) return;
  badge.textContent = transport;
  badge.dataset.transport = transport;
  badge.title = transport === 'websocket' ? 'Connected over WebSocket' : `WebSocket unavailable here: connected over ${transport}`;
  badge.hidden = false;
}
