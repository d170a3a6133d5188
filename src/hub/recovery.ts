// Deciding whether a client's last position can be recovered from what the stream holds.
// Offsets are consecutive, so the missed publications are all there exactly when the
// position belongs to the stream and the stream returned one publication per offset
// after the position.

import type { BrokerHistoryResult } from '../broker/broker.js';
import type { StreamPosition } from '../wire/index.js';

/**
 * Whether a position belongs to the stream. The empty epoch is the position of a client
 * that subscribed before the channel had a stream (subscribing creates none), so it
 * belongs to whichever stream exists now; the first publication of a stream carries its
 * epoch, so such a client normally holds the real one as soon as anything was published.
 */
export function isSameStream(since: StreamPosition, stream: BrokerHistoryResult): boolean {
  return since.epoch === stream.epoch || since.epoch === '';
}

export function isRecoverable(since: StreamPosition, forward: BrokerHistoryResult): boolean {
  if (!isSameStream(since, forward)) return false;
  if (since.offset > forward.offset) return false;
  const missed = forward.offset - since.offset;
  if (forward.publications.length !== missed) return false;
  return missed === 0 || forward.publications[0]!.offset === since.offset + 1;
}

/**
 * For a history read from `since`: the position is still inside the stream. `epochOnly`
 * (backward reads and position-only reads) checks the epoch alone.
 */
export function isPositionKept(since: StreamPosition, forward: BrokerHistoryResult, epochOnly = false): boolean {
  if (!isSameStream(since, forward)) return false;
  if (epochOnly) return true;
  if (since.offset > forward.offset) return false;
  if (since.offset === forward.offset) return true;
  const first = forward.publications[0];
  return first !== undefined && first.offset === since.offset + 1;
}
