// Checks of what a client sends before any of it touches a document. Every refusal is a
// HubError with a stable code, so the publisher gets a clear error and nothing else happens.

import * as Y from 'yjs';
import { modifyAwarenessUpdate } from 'y-protocols/awareness';
import { HubError } from '../../hub/index.js';
import { decodedLength, fromBase64 } from '../../wire/base64.js';

/** Decodes a base64 field and checks its size; refuses with bad_request / message_too_large. */
export function decodeField(text: string, what: string, maxSize: number): Uint8Array {
  if (decodedLength(text) > maxSize) throw new HubError('messageTooLarge', `${what} over ${maxSize} bytes`);
  const bytes = fromBase64(text);
  if (bytes === undefined) throw new HubError('badRequest', `${what} is not base64`);
  return bytes;
}

/** A Yjs update that decodes completely (Yjs would otherwise throw half-way through applying it). */
export function checkUpdate(update: Uint8Array): void {
  try {
    Y.decodeUpdate(update);
  } catch {
    throw new HubError('badRequest', 'malformed Yjs update');
  }
}

/** An awareness update that decodes completely, with JSON states. */
export function checkAwarenessUpdate(update: Uint8Array): void {
  try {
    modifyAwarenessUpdate(update, (state: unknown) => state);
  } catch {
    throw new HubError('badRequest', 'malformed awareness update');
  }
}

export function checkStateVector(vector: Uint8Array): void {
  try {
    Y.decodeStateVector(vector);
  } catch {
    throw new HubError('badRequest', 'malformed state vector');
  }
}
