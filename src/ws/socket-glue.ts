// The glue between a connection and its node:net socket: shared listener functions (not a
// closure per event and connection), reaching their connection through one symbol property.

import type { Socket } from 'node:net';

/** What the socket's events are routed to. */
export interface SocketOwner {
  onSocketData(chunk: Buffer): void;
  onSocketEnd(): void;
  onSocketClose(): void;
  onSocketDrain(): void;
}

const kOwner = Symbol('volley.connection');
type OwnedSocket = Socket & { [kOwner]: SocketOwner };

export function listenToSocket(socket: Socket, owner: SocketOwner): void {
  (socket as OwnedSocket)[kOwner] = owner;
  socket.on('data', socketOnData);
  socket.on('end', socketOnEnd);
  socket.on('close', socketOnClose);
  socket.on('error', socketOnError);
}

// net.Socket keeps the Timeout object of its last setTimeout() even once cleared (with two
// heap numbers, about 150 bytes); node:http sets one on every connection it accepts. Found by
// its description on the first socket that has it, since Node does not export the symbol.
let timeoutSymbol: symbol | undefined;

/** Clears the socket's idle timeout and drops the Timeout object net.Socket keeps afterwards. */
export function clearSocketTimeout(socket: Socket): void {
  socket.setTimeout(0);
  timeoutSymbol ??= Object.getOwnPropertySymbols(socket).find((s) => s.description === 'timeout');
  const slots = socket as unknown as Record<symbol, unknown>;
  if (timeoutSymbol !== undefined && slots[timeoutSymbol] != null) slots[timeoutSymbol] = null;
}

/** Reports the socket's next 'drain' (listened to only while paused: an idle connection carries no listener for it). */
export function watchDrain(socket: Socket): void {
  socket.on('drain', socketOnDrain);
}

function socketOnData(this: OwnedSocket, chunk: Buffer): void {
  this[kOwner].onSocketData(chunk);
}
function socketOnEnd(this: OwnedSocket): void {
  this[kOwner].onSocketEnd();
}
function socketOnClose(this: OwnedSocket): void {
  this[kOwner].onSocketClose();
}
function socketOnDrain(this: OwnedSocket): void {
  this.off('drain', socketOnDrain);
  this[kOwner].onSocketDrain();
}
function socketOnError(this: Socket): void {
  // A reset or a write after the peer left: the 'close' that follows reports 1006.
  this.destroy();
}
