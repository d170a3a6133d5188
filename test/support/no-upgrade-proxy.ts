// An HTTP proxy for the transport tests: forwards each request to the next of its
// targets in turn (round-robin with no stickiness, as a balancer that knows nothing of
// sessions), streams responses through unbuffered, and, like a corporate proxy that
// strips `Upgrade`, refuses every WebSocket handshake. `cut()` breaks every request in
// progress (the clients see their streams die); `down()`/`up()` refuse and allow again.

import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';

export class NoUpgradeProxy {
  /** Requests forwarded to each target, by port. */
  readonly forwarded = new Map<number, number>();
  upgradesRefused = 0;
  port = 0;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private next = 0;
  private refusing = false;

  constructor(private readonly targets: number[]) {
    this.server = http.createServer((req, res) => this.forward(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('upgrade', (req, socket: Socket) => {
      this.upgradesRefused += 1;
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The WebSocket URL a client is given (its upgrade is refused here). */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/connection/websocket`;
  }

  async listen(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Breaks every connection through the proxy now. */
  cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Cuts, and refuses requests (connection reset) until `up()`. */
  down(): void {
    this.refusing = true;
    this.cut();
  }

  up(): void {
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.cut();
    this.server.close();
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.refusing) {
      req.socket.destroy();
      return;
    }
    const port = this.targets[this.next++ % this.targets.length]!;
    this.forwarded.set(port, (this.forwarded.get(port) ?? 0) + 1);
    const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.flushHeaders();
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
    // The client went away (or the proxy cut it): the request to the server ends too.
    res.on('close', () => upstream.destroy());
  }
}
