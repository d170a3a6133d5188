// volley/client in Node: the same client, with the volley/ws WebSocket as its default
// transport (Node 20 has no globalThis.WebSocket). Keeping this import out of index.ts
// keeps node:net and node:http out of the browser bundle.

import { WebSocket as NodeWebSocket } from '../ws/index.js';
import { Client as BaseClient } from './client.js';
import type { ClientOptions } from './options.js';

export * from './index.js';

/** The client with `WebSocket` defaulting to volley/ws. */
export class Client extends BaseClient {
  constructor(url: string, options: ClientOptions = {}) {
    super(url, { ...options, WebSocket: options.WebSocket ?? NodeWebSocket });
  }
}
