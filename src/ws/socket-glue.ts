// The glue between a WebSocket, its node:net socket and its frame parser: shared listener
// functions and one bridge object per connection instead of a closure per event.

import type { Socket } from 'node:net';
import type { ProtocolError } from '../protocol/errors.js';
import type { ReceiverHandlers } from '../protocol/receiver.js';
import type { WebSocket } from './websocket.js';

const kOwner = Symbol('volley.websocket');
type SocketWithOwner = Socket & { [kOwner]: WebSocket };

/** Shared listener functions (not closures) keep an idle connection small. */
export function listenToSocket(socket: Socket, ws: WebSocket): void {
  (socket as SocketWithOwner)[kOwner] = ws;
  socket.on('data', socketOnData);
  socket.on('end', socketOnEnd);
  socket.on('close', socketOnClose);
  socket.on('error', socketOnError);
}

function socketOnData(this: SocketWithOwner, chunk: Buffer): void {
  if (!this[kOwner].feed(chunk)) this.pause();
}
/** Parses the bytes that came with the upgrade, then lets the socket flow. */
export function startReading(ws: WebSocket, head: Buffer): void {
  if (ws.readyState === ws.CLOSED) return;
  if (head.length === 0 || ws.feed(head)) ws.resumeReading();
}

function socketOnEnd(this: SocketWithOwner): void {
  this[kOwner].onSocketEnd();
}
function socketOnClose(this: SocketWithOwner): void {
  this[kOwner].onSocketClose();
}
function socketOnError(this: SocketWithOwner): void {
  // A reset or a write after the peer left: the 'close' that follows reports 1006.
  this.destroy();
}

/** Routes the receiver's events to its WebSocket: one small object instead of a closure each. */
export class ReceiverBridge implements ReceiverHandlers {
  private readonly ws: WebSocket;
  constructor(ws: WebSocket) {
    this.ws = ws;
  }
  onMessage(data: Buffer, isBinary: boolean): void {
    this.ws.onMessage(data, isBinary);
  }
  onPing(data: Buffer): void {
    this.ws.onPing(data);
  }
  onPong(data: Buffer): void {
    this.ws.isAlive = true;
    this.ws.emit('pong', data);
  }
  onClose(code: number, reason: Buffer): void {
    this.ws.onCloseFrame(code, reason);
  }
  onError(err: ProtocolError): void {
    this.ws.onProtocolError(err);
  }
  onResume(): void {
    this.ws.resumeReading();
  }
}
