// The demo pages' one Volley client, connected to the server that served the page.

import { Client } from '../../src/client/index.js';

/** ws:// or wss:// (matching the page) to this host's WebSocket endpoint. */
export function endpointUrl(location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/connection/websocket`;
}

/** A connecting client; `onState` hears 'connecting' | 'connected' | 'disconnected'. */
export function connectClient(onState: (state: string) => void): Client {
  const client = new Client(endpointUrl(), { name: 'volley-demo' });
  client.on('state', ({ newState }) => onState(newState));
  client.connect();
  return client;
}
