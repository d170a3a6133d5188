// How channel events travel between nodes: one header line of JSON, then (for a
// publication) the data as is. The data is already JSON text, so it is not escaped or
// parsed again on the way; only the small header is.
//
//   {"t":"p","o":7,"e":"3f2a9c","i":{...},"x":"client-id"}\n{"text":"hello"}
//   {"t":"p","o":8,"e":"3f2a9c","b":1}\n"AAEC"          (binary: base64 in a JSON string)
//   {"t":"j","i":{"client":"c1","user":"u1"}}

import type { BrokerEvent, BrokerPublication, ClientInfo, ControlMessage } from '../broker.js';

interface Header {
  t: 'p' | 'j' | 'l';
  o?: number;
  e?: string;
  i?: ClientInfo;
  x?: string;
  b?: 1;
}

/** A decoded event and the epoch of its stream ('' for events without an offset). */
export interface ReceivedEvent {
  event: BrokerEvent;
  epoch: string;
}

/**
 * The header's tail after offset and epoch: `,"i":{…},"x":"…"}`. The Redis script
 * prepends the offset and epoch it assigns, so this part is built by the caller.
 */
export function headerTail(info: ClientInfo | undefined, excludeClient: string | undefined, binary?: boolean): string {
  let tail = '';
  if (info !== undefined) tail += `,"i":${JSON.stringify(info)}`;
  if (excludeClient !== undefined) tail += `,"x":${JSON.stringify(excludeClient)}`;
  if (binary === true) tail += ',"b":1';
  return `${tail}}`;
}

export function encodePublication(data: string, offset: number, epoch: string, info?: ClientInfo, excludeClient?: string, binary?: boolean): string {
  return `{"t":"p","o":${offset},"e":${JSON.stringify(epoch)}${headerTail(info, excludeClient, binary)}\n${data}`;
}

export function encodePresenceEvent(type: 'join' | 'leave', info: ClientInfo): string {
  return JSON.stringify({ t: type === 'join' ? 'j' : 'l', i: info });
}

/** Decodes what encodePublication or encodePresenceEvent produced; undefined for garbage. */
export function decodeEvent(channel: string, text: string): ReceivedEvent | undefined {
  const newline = text.indexOf('\n');
  let header: Header;
  try {
    header = JSON.parse(newline === -1 ? text : text.slice(0, newline)) as Header;
  } catch {
    return undefined;
  }
  if (header.t === 'p' && newline !== -1) {
    const publication: BrokerPublication = { offset: header.o ?? 0, data: text.slice(newline + 1) };
    if (header.i !== undefined) publication.info = header.i;
    if (header.b === 1) publication.binary = true;
    const event: BrokerEvent = { type: 'publication', channel, publication };
    if (header.x !== undefined) event.excludeClient = header.x;
    return { event, epoch: header.e ?? '' };
  }
  if ((header.t === 'j' || header.t === 'l') && header.i !== undefined) {
    return { event: { type: header.t === 'j' ? 'join' : 'leave', channel, info: header.i }, epoch: '' };
  }
  return undefined;
}

export function encodeControl(message: ControlMessage): string {
  return JSON.stringify(message);
}

export function decodeControl(text: string): ControlMessage | undefined {
  try {
    const message = JSON.parse(text) as ControlMessage;
    if (message.type === 'disconnect' || message.type === 'disconnect-client') return message;
    if (message.type === 'admin-revoke' && typeof message.nonce === 'string' && Number.isSafeInteger(message.expiresAt)) return message;
    return undefined;
  } catch {
    return undefined;
  }
}
