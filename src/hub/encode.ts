// Building the text of replies and pushes. Publication data travels as JSON text from the
// publisher to every subscriber, so pushes splice it in without parsing it again.

import type { BrokerPublication } from '../broker/broker.js';
import type { ClientInfo, Publication, WireError } from '../wire/index.js';

export function encodeResult(id: number, result: unknown): string {
  return JSON.stringify({ id, result });
}

export function encodeError(id: number, error: WireError): string {
  return JSON.stringify({ id, error });
}

/**
 * `{"pub":"<channel>",…}`: the publication's fields beside the channel name, `data` spliced
 * in as the JSON text it travels as. `info` is there only when the namespace asked for it
 * (the publisher left it out of the broker publication otherwise).
 */
export function encodePublicationPush(channel: string, publication: BrokerPublication): string {
  let text = `{"pub":${JSON.stringify(channel)}`;
  if (publication.offset > 0) text += `,"offset":${publication.offset}`;
  if (publication.epoch !== undefined) text += `,"epoch":${JSON.stringify(publication.epoch)}`;
  text += publication.binary === true ? `,"b64":${publication.data}` : `,"data":${publication.data}`;
  if (publication.info !== undefined) text += `,"info":${JSON.stringify(publication.info)}`;
  return text + '}';
}

export function encodeGapPush(channel: string): string {
  return JSON.stringify({ push: 'gap', channel });
}

export function encodePresencePush(kind: 'join' | 'leave', channel: string, info: ClientInfo): string {
  return JSON.stringify({ push: kind, channel, info });
}

/**
 * A stored publication as a wire object (for replies, which are encoded as a whole).
 * Replies carry the stream's epoch themselves, so the first publication's `epoch` is left out.
 */
export function toWirePublication(publication: BrokerPublication): Publication {
  const value: unknown = JSON.parse(publication.data);
  const wire: Publication = publication.binary === true ? { b64: value as string } : { data: value };
  if (publication.offset > 0) wire.offset = publication.offset;
  if (publication.info !== undefined) wire.info = publication.info;
  return wire;
}
