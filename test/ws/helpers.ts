import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocketServerOptions } from '../../src/ws/server.js';
import type { WebSocket } from '../../src/ws/websocket.js';
import type { ClientOptions } from '../../src/ws/client-handshake.js';

/** A server on a free loopback port; `url` points at it. */
export async function startServer(options: Omit<WebSocketServerOptions, 'port'> = {}) {
  const wss = new WebSocketServer({ ...options, port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const port = (wss.address() as AddressInfo).port;
  return { wss, port, url: `ws://127.0.0.1:${port}` };
}

/** Resolves with the next `count` 'message' events as [data, isBinary]. */
export function nextMessages(ws: WebSocket, count = 1): Promise<Array<[any, boolean]>> {
  return new Promise((resolve) => {
    const got: Array<[any, boolean]> = [];
    const on = (data: any, isBinary: boolean) => {
      got.push([data, isBinary]);
      if (got.length === count) {
        ws.off('message', on);
        resolve(got);
      }
    };
    ws.on('message', on);
  });
}

export function closed(ws: WebSocket): Promise<[number, string]> {
  return new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve([code, reason.toString()])));
}

/** Sends raw bytes over TCP and collects everything until the peer closes. */
export async function rawExchange(port: number, request: string | Buffer, after?: (socket: net.Socket) => void): Promise<Buffer> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  socket.write(request);
  after?.(socket);
  await new Promise((r) => socket.once('close', r));
  return Buffer.concat(chunks);
}

export function upgradeRequest(path = '/', extra: Record<string, string> = {}, omit: string[] = [], method = 'GET'): string {
  const headers: Record<string, string> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...extra,
  };
  for (const h of omit) delete headers[h];
  return `${method} ${path} HTTP/1.1\r\n` + Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
}

/**
 * Client options that keep the client's TCP socket (a WebSocket's socket is private), for
 * tests that act below the WebSocket: pause reading, count bytes on the wire.
 */
export function recordingSocket(): { options: ClientOptions; socket: () => net.Socket } {
  let recorded: net.Socket | null = null;
  const agent = new http.Agent();
  const create = (agent as any).createConnection.bind(agent);
  (agent as any).createConnection = (...args: unknown[]) => (recorded = create(...args));
  return { options: { requestOptions: { agent } }, socket: () => recorded! };
}
