// What travels on a document's channel and through the sync rpc. Browser-safe: the
// provider and the server share it, so the format is written down once.
//
// A publication on the document channel is a JSON object with one or both of:
//   u: a Yjs document update (base64)
//   a: a y-protocols awareness update (base64): names, colours, cursors
// The sync rpc (SYNC_RPC) takes { channel, sv: state vector } and answers with the
// update the caller lacks, the server's state vector and the caller's access.

/** The rpc a provider calls after every (re)subscribe. */
export const SYNC_RPC = 'volley.yjs.sync';

export type DocumentAccess = 'read' | 'write';

export interface DocumentMessage {
  /** A Yjs update, base64. */
  u?: string;
  /** An awareness update, base64. */
  a?: string;
}

export interface SyncRequest {
  channel: string;
  /** The caller's state vector (Y.encodeStateVector), base64. */
  sv: string;
}

export interface SyncReply {
  /** Everything the caller lacks (Y.encodeStateAsUpdate(doc, sv)), base64. */
  update: string;
  /** The server's state vector, base64: the caller sends back what the server lacks. */
  sv: string;
  access: DocumentAccess;
}

/** The publication's data as a DocumentMessage, or a reason why it is not one. */
export function parseDocumentMessage(data: unknown): DocumentMessage | string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'a document message must be an object';
  const message: DocumentMessage = {};
  for (const [key, value] of Object.entries(data)) {
    if (key !== 'u' && key !== 'a') return `unknown field "${key}" in a document message`;
    if (typeof value !== 'string') return `"${key}" must be a base64 string`;
    message[key] = value;
  }
  if (message.u === undefined && message.a === undefined) return 'a document message needs "u" or "a"';
  return message;
}
