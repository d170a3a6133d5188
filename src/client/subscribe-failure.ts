// What a subscription does after a failed subscribe: the one place that reads such a
// failure. Wire errors are judged by isTemporary (src/wire), the rule the hub uses too,
// so "try again" means the same on both sides.

import { WireErrorCode, isTemporary } from '../wire/index.js';
import { ClientErrorCode } from './codes.js';

export type SubscribeFailureAction =
  /** The connection closed under it: it is resubscribed on the next one. */
  | 'awaitConnection'
  /** No reply in time: client and server may disagree about it, so the connection is replaced. */
  | 'reconnect'
  /** Temporary (an engine outage, a rate limit, a failing getToken): again after a backoff delay. */
  | 'retry'
  /** The subscription token expired and getToken can fetch a new one: again, with it. */
  | 'retryWithNewToken'
  /** Permanent (permission denied, unknown channel …): the subscription ends with this code. */
  | 'end';

export function subscribeFailureAction(code: number, canFetchToken: boolean): SubscribeFailureAction {
  if (code === ClientErrorCode.connectionClosed) return 'awaitConnection';
  if (code === ClientErrorCode.timeout) return 'reconnect';
  if (code === WireErrorCode.tokenExpired && canFetchToken) return 'retryWithNewToken';
  // getToken is the app's own call (often a fetch): its failure may go away like an outage.
  if (isTemporary(code) || code === ClientErrorCode.tokenError) return 'retry';
  return 'end';
}
