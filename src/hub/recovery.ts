// Deciding whether a client's last position can be recovered from what the stream holds.
// Offsets are consecutive, so the missed publications are all there exactly when the
// epoch matches and the stream returned one publication per offset after the position.

import type { BrokerHistoryResult } from '../broker/broker.js';
import type { StreamPosition } from '../wire/index.js';

export function isRecoverable(since: StreamPosition, forward: BrokerHistoryResult): boolean {
  if (since.epoch !== forward.epoch) return false;
  if (since.offset > forward.offset) return false;
  const missed = forward.offset - since.offset;
  if (forward.publications.length !== missed) return false;
  return missed === 0 || forward.publications[0]!.offset === since.offset + 1;
}

/** For a forward read limited to `limit`: the position is still inside the stream. */
export function isPositionKept(since: StreamPosition, forward: BrokerHistoryResult): boolean {
  if (since.epoch !== forward.epoch) return false;
  if (since.offset > forward.offset) return false;
  if (since.offset === forward.offset) return true;
  const first = forward.publications[0];
  return first !== undefined && first.offset === since.offset + 1;
}
