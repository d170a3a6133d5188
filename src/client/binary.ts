// Binary publications in the SDK: a Uint8Array published goes out as `b64` (base64 inside
// the JSON message, docs/protocol.md), and a publication with `b64` arrives as a Uint8Array.
// atob/btoa only, so it runs in browsers as in Node.

import { fromBase64, toBase64 } from '../wire/base64.js';
import type { Publication, PublishParams } from '../wire/index.js';

/** The publish params for `data`: bytes as `b64`, anything else as JSON `data`. */
export function publishParams(channel: string, data: unknown): PublishParams {
  return data instanceof Uint8Array ? { channel, b64: toBase64(data) } : { channel, data };
}

/** What a publication carries: a Uint8Array for `b64`, else its JSON `data`. */
export function publicationValue(publication: Publication): unknown {
  if (publication.b64 === undefined) return publication.data;
  // The server sends only canonical base64; anything else is an empty payload, not a crash.
  return fromBase64(publication.b64) ?? new Uint8Array(0);
}

/** A publication as the SDK hands it out: `data` holds the value, `b64` is gone. */
export function decodedPublication(publication: Publication): Publication {
  if (publication.b64 === undefined) return publication;
  const { b64: _b64, ...rest } = publication;
  return { ...rest, data: publicationValue(publication) };
}
