// Long-polling: each GET is answered with one JSON object, `{"messages":[{"seq":N,"m":…},…]}`
// (plus `"session"` on the first answer and `"close"` on the last).

import { oneLine, type Chunk, type CloseInfo, type PollFormat } from './wire-format.js';

export const pollFormat: PollFormat = {
  kind: 'poll',
  transport: 'long-polling',
  contentType: 'application/json; charset=utf-8',
  encode: (text) => Buffer.from(`,"m":${oneLine(text)}}`),
  answer(messages, close: CloseInfo | undefined, sessionId: string | undefined): Chunk[] {
    const chunks: Chunk[] = [sessionId === undefined ? '{"messages":[' : `{"session":${JSON.stringify(sessionId)},"messages":[`];
    messages.forEach(({ seq, encoded }, i) => chunks.push(`${i === 0 ? '' : ','}{"seq":${seq}`, encoded));
    chunks.push(close === undefined ? ']}' : `],"close":${JSON.stringify(close)}}`);
    return chunks;
  },
};
