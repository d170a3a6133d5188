// A WebSocket double for unit tests of the client's state machine: the test plays the
// server, one message at a time (open, reply, refuse, push, close), and reads what the
// client sent. No network, no timers of its own: pair it with node:test's mock timers.

import { ErrorName, type Command, type Method, type ServerMessage, type WireErrorCodeValue } from '../../src/wire/index.js';
import type { WebSocketConstructor, WebSocketLike } from '../../src/client/transport.js';

type Handler = ((event: any) => void) | null;

export class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: Handler = null;
  onmessage: Handler = null;
  onclose: Handler = null;
  onerror: Handler = null;
  readonly sent: Command[] = [];
  /** How the client let go of this socket, if it did. */
  abandoned: 'closed' | 'terminated' | undefined;

  constructor(readonly url: string) {}

  send(text: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(text) as Command);
  }

  close(): void {
    this.abandoned ??= 'closed';
    this.readyState = 3;
  }

  terminate(): void {
    this.abandoned ??= 'terminated';
    this.readyState = 3;
  }

  // ---- the server's side ----

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The commands of one method the client sent on this socket, oldest first. */
  commands<M extends Method>(method: M): Array<Command<M>> {
    return this.sent.filter((command): command is Command<M> => command.method === method);
  }

  /** The last command of `method`; fails the test when there is none. */
  last<M extends Method>(method: M): Command<M> {
    const list = this.commands(method);
    const command = list[list.length - 1];
    if (command === undefined) throw new Error(`no ${method} was sent`);
    return command;
  }

  reply(id: number, result: unknown): void {
    this.deliver({ id, result } as ServerMessage);
  }

  refuse(id: number, code: WireErrorCodeValue, message = ErrorName[code]): void {
    this.deliver({ id, error: { code, name: ErrorName[code], message } });
  }

  deliver(message: ServerMessage): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  /** The server (or the network) ends the connection with `code`. */
  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

/** A WebSocket constructor whose sockets are collected in `sockets`, newest last. */
export function fakeTransport(): { WebSocket: WebSocketConstructor; sockets: FakeSocket[]; current(): FakeSocket } {
  const sockets: FakeSocket[] = [];
  class TrackedFakeSocket extends FakeSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return {
    WebSocket: TrackedFakeSocket,
    sockets,
    current() {
      const socket = sockets[sockets.length - 1];
      if (socket === undefined) throw new Error('no socket was opened');
      return socket;
    },
  };
}
