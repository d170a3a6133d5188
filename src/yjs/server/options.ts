// Options of the document service, their defaults, and the namespace options a
// document namespace needs.

import { join } from 'node:path';
import type { NamespaceOptions } from '../../hub/index.js';
import type { ClientInfo } from '../../wire/index.js';
import type { DocumentAccess } from '../messages.js';
import type { DocumentStore } from './store.js';
import { FileDocumentStore } from './file-store.js';

export interface DocumentServiceOptions {
  /** Channels of this namespace are documents (`docs:notes`, `$docs:plan`). Default 'docs'. */
  namespace?: string;
  /** Where documents are kept. Default: a FileDocumentStore in `directory`. */
  store?: DocumentStore;
  /** Directory of the default file store. Default '.volley/docs' (relative to the working directory). */
  directory?: string;
  /** What a publisher may do; called for every update a client publishes. Default: defaultDocumentAccess. */
  access?: (publisher: ClientInfo, channel: string) => DocumentAccess;
  /** A changed document is saved this long after its last change. Default 2000 ms. */
  saveDelayMs?: number;
  /** ...and at the latest this long after its first unsaved change. Default 10000 ms. */
  maxSaveDelayMs?: number;
  /** A document nobody touched (update, sync) for this long is saved and unloaded. Default 60000 ms. */
  idleUnloadMs?: number;
  /** Documents held in memory at once; the least recently used is unloaded first. Default 1000. */
  maxLoadedDocuments?: number;
  /** Largest decoded update or awareness message accepted, in bytes. Default 262144. */
  maxUpdateSize?: number;
  /** An update that would grow a document's encoded state past this is refused. Default 16777216. */
  maxDocumentSize?: number;
  /** How often idle documents are looked for. Default 5000 ms. */
  sweepIntervalMs?: number;
}

export interface ResolvedDocumentServiceOptions {
  namespace: string;
  store: DocumentStore;
  access: (publisher: ClientInfo, channel: string) => DocumentAccess;
  saveDelayMs: number;
  maxSaveDelayMs: number;
  idleUnloadMs: number;
  maxLoadedDocuments: number;
  maxUpdateSize: number;
  maxDocumentSize: number;
  sweepIntervalMs: number;
}

export const DOCUMENT_SERVICE_DEFAULTS = {
  namespace: 'docs',
  directory: '.volley/docs',
  saveDelayMs: 2_000,
  maxSaveDelayMs: 10_000,
  idleUnloadMs: 60_000,
  maxLoadedDocuments: 1_000,
  maxUpdateSize: 262_144,
  maxDocumentSize: 16_777_216,
  sweepIntervalMs: 5_000,
} as const;

/**
 * The default access rule: the subscription token's `info.access` when it says 'read' or
 * 'write' (so a private `$docs:` channel's token grants read-only or read-write access),
 * otherwise 'write' for anyone the namespace lets subscribe and publish.
 */
export function defaultDocumentAccess(publisher: ClientInfo): DocumentAccess {
  const chanInfo = publisher.chanInfo as { access?: unknown } | undefined;
  if (typeof chanInfo === 'object' && chanInfo !== null && (chanInfo.access === 'read' || chanInfo.access === 'write')) return chanInfo.access;
  return 'write';
}

/**
 * The namespace options a document namespace needs: presence (the sync rpc checks that
 * the caller is subscribed), join/leave (remote cursors go when their client leaves),
 * publisher info (the provider ties a cursor to the connection that published it, so it
 * knows whose cursors a leave removes), a short history (a reconnect within it recovers
 * without a full diff), publishers are subscribers. Spread your own on top.
 */
export function documentNamespaceOptions(): NamespaceOptions {
  return { presence: true, joinLeave: true, publisherInfo: true, historySize: 100, historyTtlMs: 600_000, publish: 'subscribers' };
}

export function resolveDocumentServiceOptions(options: DocumentServiceOptions): ResolvedDocumentServiceOptions {
  const d = DOCUMENT_SERVICE_DEFAULTS;
  const resolved: ResolvedDocumentServiceOptions = {
    namespace: options.namespace ?? d.namespace,
    store: options.store ?? new FileDocumentStore(join(process.cwd(), options.directory ?? d.directory)),
    access: options.access ?? defaultDocumentAccess,
    saveDelayMs: options.saveDelayMs ?? d.saveDelayMs,
    maxSaveDelayMs: options.maxSaveDelayMs ?? d.maxSaveDelayMs,
    idleUnloadMs: options.idleUnloadMs ?? d.idleUnloadMs,
    maxLoadedDocuments: options.maxLoadedDocuments ?? d.maxLoadedDocuments,
    maxUpdateSize: options.maxUpdateSize ?? d.maxUpdateSize,
    maxDocumentSize: options.maxDocumentSize ?? d.maxDocumentSize,
    sweepIntervalMs: options.sweepIntervalMs ?? d.sweepIntervalMs,
  };
  for (const key of ['saveDelayMs', 'maxSaveDelayMs', 'idleUnloadMs', 'sweepIntervalMs'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 0) throw new RangeError(`${key} must be a number >= 0`);
  }
  for (const key of ['maxLoadedDocuments', 'maxUpdateSize', 'maxDocumentSize'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) throw new RangeError(`${key} must be an integer >= 1`);
  }
  if (!/^[A-Za-z0-9_-]+$/.test(resolved.namespace)) throw new RangeError('namespace must be a namespace name ([A-Za-z0-9_-]+)');
  return resolved;
}
