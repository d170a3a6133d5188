// Server-sent events (text/event-stream) for a bidirectional session: `event: open`,
// then one event per message with its sequence number as the SSE id (so a browser's
// EventSource resends it as Last-Event-ID), comments as heartbeats, `event: close` last.

import type { CloseInfo, StreamFormat } from './wire-format.js';

/** `data:` lines of an SSE event; a text with line breaks takes one line each. */
export function sseData(text: string): string {
  if (!/[\r\n]/.test(text)) return `data: ${text}\n`;
  return text.split(/\r\n|[\r\n]/).map((line) => `data: ${line}\n`).join('');
}

export const sseFormat: StreamFormat = {
  kind: 'stream',
  transport: 'sse',
  contentType: 'text/event-stream; charset=utf-8',
  encode: (text) => Buffer.from(`\n${sseData(text)}\n`),
  opened: (sessionId) => `event: open\n${sseData(JSON.stringify({ session: sessionId }))}\n`,
  message: (seq, encoded) => [`id: ${seq}`, encoded],
  heartbeat: ': \n\n',
  closed: (close: CloseInfo) => `event: close\n${sseData(JSON.stringify(close))}\n`,
};
