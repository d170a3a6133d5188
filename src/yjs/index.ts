// volley/yjs: a Yjs provider for the Volley client (browsers and Node). The server side
// (document state, persistence, permissions) is volley/yjs/server.
export { VolleyProvider, PROVIDER_DEFAULTS, type VolleyProviderOptions, type VolleyProviderEvents } from './provider.js';
export { SYNC_RPC, parseDocumentMessage, type DocumentAccess, type DocumentMessage, type SyncRequest, type SyncReply } from './messages.js';
export { toBase64, fromBase64 } from '../wire/base64.js';
