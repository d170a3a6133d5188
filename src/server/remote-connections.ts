// The API's `connections` with `node` set to another node's id, over the server's one
// NodeLink (the one the transports route on): the asking node sends an `api.connections`
// request to that node's inbox, which answers with its own page. The API's error, if any,
// travels in the reply (code and name as the answering node gave them); the link's own
// failures map to the codes docs/admin.md lists.

import { NodeLinkError, type NodeLink } from '../broker/cluster/node-link.js';
import { isPlainObject, type Params } from '../hub/decode.js';
import { HubError, toWireError } from '../hub/errors.js';
import type { WireError } from '../wire/index.js';

/** The NodeLink request kind of another node's `connections`. */
export const CONNECTIONS_KIND = 'api.connections';
/** How long `connections` waits for another node (then 503, unavailable). */
export const REMOTE_CONNECTIONS_TIMEOUT_MS = 2_000;

type Answer = { result: unknown } | { error: WireError };

/** Answers other nodes' `connections` questions with `page` (this node's own page). */
export function answerConnections(link: NodeLink, page: (params: Params) => unknown): void {
  link.handle(CONNECTIONS_KIND, (params): Answer => {
    try {
      return { result: page(isPlainObject(params) ? params : {}) };
    } catch (error) {
      return { error: toWireError(error) };
    }
  });
}

/**
 * Asks `node` for a page of its connections. Rejects with a HubError: the other node's own
 * error; unavailable (no answer in time, or this server shutting down); message_too_large
 * (an answer over the link's maxReplyBytes: ask for a smaller page); too_many_requests
 * (the link has maxPending requests waiting).
 */
export async function askConnections(link: NodeLink, node: string, params: Params, timeoutMs = REMOTE_CONNECTIONS_TIMEOUT_MS): Promise<unknown> {
  let answer: unknown;
  try {
    answer = await link.request(node, CONNECTIONS_KIND, params, timeoutMs);
  } catch (error) {
    throw linkFailure(node, error);
  }
  if (!isPlainObject(answer)) throw new HubError('internal', `node "${node}" sent a malformed answer`);
  if (isPlainObject(answer.error)) {
    const { code, name, message } = answer.error;
    const error = new HubError('internal', typeof message === 'string' ? message : 'failed');
    // The other node's error, code and name as it sent them.
    if (typeof code === 'number' && typeof name === 'string') Object.assign(error, { code, errorName: name });
    throw error;
  }
  return answer.result;
}

function linkFailure(node: string, error: unknown): HubError {
  if (!(error instanceof NodeLinkError)) return new HubError('unavailable', `node "${node}" could not be asked: ${String(error)}`);
  switch (error.reason) {
    case 'timeout':
      return new HubError('unavailable', `node "${node}" did not answer in time`);
    case 'closed':
      return new HubError('unavailable', 'the server is shutting down');
    case 'too_large':
      return new HubError('messageTooLarge', `node "${node}": ${error.message}: ask for a smaller page`);
    case 'full':
      return new HubError('tooManyRequests', 'too many questions to other nodes at once');
    case 'remote':
      return new HubError('internal', `node "${node}" failed: ${error.message}`);
  }
}
