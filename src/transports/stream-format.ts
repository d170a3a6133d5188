// HTTP streaming as NDJSON (application/x-ndjson), read with fetch streams: one JSON object
// per line. The volley.v1 text of a message is spliced in as JSON, not re-encoded.

import { oneLine, type CloseInfo, type StreamFormat } from './wire-format.js';

export const streamFormat: StreamFormat = {
  kind: 'stream',
  transport: 'http-stream',
  contentType: 'application/x-ndjson; charset=utf-8',
  encode: (text) => Buffer.from(`,"m":${oneLine(text)}}\n`),
  opened: (sessionId) => `${JSON.stringify({ open: { session: sessionId } })}\n`,
  message: (seq, encoded) => [`{"seq":${seq}`, encoded],
  heartbeat: '\n',
  closed: (close: CloseInfo) => `${JSON.stringify({ close })}\n`,
};
