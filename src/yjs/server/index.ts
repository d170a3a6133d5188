// volley/yjs/server: the document service (server-side Yjs state, persistence,
// permissions, cluster sync) for the provider in volley/yjs.
export { DocumentService, DOCUMENT_SERVICE_TAG, type DocumentServiceStats } from './document-service.js';
export {
  DOCUMENT_SERVICE_DEFAULTS, defaultDocumentAccess, documentNamespaceOptions,
  type DocumentServiceOptions, type ResolvedDocumentServiceOptions,
} from './options.js';
export { MemoryDocumentStore, type DocumentStore } from './store.js';
export { FileDocumentStore } from './file-store.js';
export { peerChannelOf } from './peer-sync.js';
export { SYNC_RPC, type DocumentAccess, type DocumentMessage, type SyncReply } from '../messages.js';
