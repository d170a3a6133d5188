// MQTT payloads (bytes) and Volley publication data (JSON), both ways.
//
// Inbound, every rule publishes one shape, MqttMessageData: the payload decoded as JSON when
// it parses, else as UTF-8 text, else as base64 bytes, with the content type stated.

import { isUtf8 } from 'node:buffer';

export type PayloadFormat = 'json' | 'text' | 'base64';

/** The data of a publication the bridge makes from an MQTT message. */
export interface MqttMessageData {
  /** The MQTT topic the message was published to. */
  topic: string;
  format: PayloadFormat;
  /** The JSON value, the text, or the bytes as base64. */
  payload: unknown;
  /** The MQTT 5 content type; 'application/octet-stream' for base64 bytes without one. */
  contentType?: string;
  /** Present (true) when the broker sent the message as a retained one: the topic's current state. */
  retained?: true;
  /** The bridge's clock when it received the message, ms since the epoch. */
  receivedAt: number;
}

export type PayloadMode = 'auto' | PayloadFormat;

/** Decodes a payload as the rule says; undefined when it cannot be decoded that way. */
export function decodePayload(payload: Buffer, mode: PayloadMode): { format: PayloadFormat; payload: unknown } | undefined {
  if (mode === 'base64') return { format: 'base64', payload: payload.toString('base64') };
  const utf8 = isUtf8(payload);
  if (mode === 'text') return utf8 ? { format: 'text', payload: payload.toString('utf8') } : undefined;
  if (utf8) {
    const text = payload.toString('utf8');
    try {
      return { format: 'json', payload: JSON.parse(text) as unknown };
    } catch {
      if (mode === 'json') return undefined;
      return { format: 'text', payload: text };
    }
  }
  return mode === 'json' ? undefined : { format: 'base64', payload: payload.toString('base64') };
}

/** Outbound: the bytes of an MQTT payload from publication data, or a reason it cannot be sent. */
export function encodePayload(data: unknown, mode: 'json' | 'text'): Buffer | string {
  // A binary publication goes out as its bytes, whatever the rule's format.
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (mode === 'text') {
    if (typeof data !== 'string') return 'data must be a string for this topic (its rule sends text)';
    return Buffer.from(data, 'utf8');
  }
  return Buffer.from(JSON.stringify(data), 'utf8');
}
