// The part of the browser's WebSocket API the client uses. Browsers and Node 22+ have it
// as globalThis.WebSocket; on Node 20 the `volley/client` node entry injects the one of
// `volley/ws`. Typing only what is used lets either (or a test double) be passed in.

/** Handlers are typed loosely on purpose: each implementation has its own event classes. */
type Handler = ((event: any) => void) | null;

export interface WebSocketLike {
  readonly readyState: number;
  onopen: Handler;
  onmessage: Handler;
  onclose: Handler;
  onerror: Handler;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** Present on volley/ws sockets: drop the connection without a closing handshake. */
  terminate?(): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The WebSocket to use: the injected one, else the platform's, else none. */
export function resolveWebSocket(injected: WebSocketConstructor | undefined): WebSocketConstructor | undefined {
  return injected ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}

const OPEN = 1;

export function isOpen(socket: WebSocketLike | null): socket is WebSocketLike {
  return socket !== null && socket.readyState === OPEN;
}

/**
 * Lets go of a socket without waiting for it: its handlers are removed first, so nothing
 * it reports later reaches the client. A dead connection is terminated where the socket
 * can (a closing handshake over it would only wait for a timeout); otherwise it is closed.
 */
export function abandonSocket(socket: WebSocketLike, graceful: boolean): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = () => {};
  try {
    if (!graceful && typeof socket.terminate === 'function') socket.terminate();
    else socket.close(1000);
  } catch {
    // Closing a socket that already failed may throw in some implementations; it is gone either way.
  }
}
