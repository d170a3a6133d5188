// The SSE id of /connection/events: the position of every followed channel after the event,
// so that one Last-Event-ID resumes all of them. It is base64url of a JSON object mapping
// each channel to [offset, epoch], or to null for a channel without history (nothing to
// resume: a reconnect announces a gap for it).

import { refusals } from '../http-answers.js';

export type ChannelPosition = { offset: number; epoch: string } | null;

/** Longest Last-Event-ID accepted; 32 channels of 255 characters fit. */
export const MAX_EVENT_ID_LENGTH = 16_384;

export function encodePosition(positions: ReadonlyMap<string, ChannelPosition>): string {
  const object: Record<string, [number, string] | null> = {};
  for (const [channel, position] of positions) object[channel] = position === null ? null : [position.offset, position.epoch];
  return Buffer.from(JSON.stringify(object)).toString('base64url');
}

/** The positions in a Last-Event-ID; throws a 400 TransportError when it is not one of ours. */
export function decodePosition(id: string): Map<string, ChannelPosition> {
  const bad = () => refusals.badRequest('Last-Event-ID is not a position of this server');
  if (id.length > MAX_EVENT_ID_LENGTH || !/^[A-Za-z0-9_-]+$/.test(id)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad();
  const positions = new Map<string, ChannelPosition>();
  for (const [channel, entry] of Object.entries(value)) {
    if (entry === null) positions.set(channel, null);
    else if (Array.isArray(entry) && entry.length === 2 && Number.isSafeInteger(entry[0]) && entry[0] >= 0 && typeof entry[1] === 'string') {
      positions.set(channel, { offset: entry[0], epoch: entry[1] });
    } else throw bad();
  }
  return positions;
}
