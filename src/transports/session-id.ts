// Session ids: `<nodeId>.<22 characters of base64url>` (128 random bits). The node id in
// front lets any node of a cluster route a request to the node that holds the session; it
// is the server's `nodeId`, whose grammar is NodeLink's (NODE_ID_PATTERN).

import { randomBytes } from 'node:crypto';

const SESSION_ID = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{22,64})$/;

/** A new session id owned by `nodeId`. */
export function newSessionId(nodeId: string): string {
  return `${nodeId}.${randomBytes(16).toString('base64url')}`;
}

/** The node that owns a session id, or undefined when the text is not a session id. */
export function ownerOf(sessionId: string): string | undefined {
  const match = SESSION_ID.exec(sessionId);
  return match === null ? undefined : match[1];
}
