// The /echo endpoint of `volley serve`. A stable contract that outside tools rely on:
// every message comes back unchanged (text as text, binary as binary), no greeting,
// no subprotocol required (an offered one is accepted: the first of the list), and
// permessage-deflate only when the server runs with --deflate.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pathOf, sendText } from '../server/http-util.js';
import { WebSocketServer, type ConnectionLimitOptions } from '../ws/index.js';
import type { ServeRoute } from './serve-route.js';

/** Ping interval that lets the server drop peers that vanished without a close. */
const HEARTBEAT_MS = 30_000;

export interface EchoOptions {
  /** Offer permessage-deflate. Default false. */
  perMessageDeflate?: boolean;
  /** The config's per-socket limits (`websocket`); the ws defaults otherwise. */
  limits?: ConnectionLimitOptions;
}

export function createEchoEndpoint(path = '/echo', options: EchoOptions = {}): ServeRoute {
  const wss = new WebSocketServer({ ...options.limits, noServer: true, heartbeatInterval: HEARTBEAT_MS, perMessageDeflate: options.perMessageDeflate ?? false });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    // A peer's protocol error closes its connection; nothing else to do here.
    ws.on('error', () => {});
  });

  return {
    endpoints: [{ kind: 'ws', path, description: 'WebSocket echo: every message comes back unchanged' }],

    handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
      if (pathOf(req) !== path) return false;
      sendText(res, 426, 'Upgrade Required: this is a WebSocket endpoint\n', { upgrade: 'websocket', 'sec-websocket-version': '13' });
      return true;
    },

    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      if (pathOf(req) !== path) return false;
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      return true;
    },

    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),

    terminate(): void {
      for (const ws of wss.clients) ws.terminate();
    },
  };
}
