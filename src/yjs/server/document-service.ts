// The server side of collaborative editing: every channel of one namespace is a Yjs
// document. Clients publish updates into the channel; the hub's publish interceptor
// hands each one to this service first, which checks it (format, size, write access),
// merges it into the node's copy and passes it on to the other nodes. The sync rpc
// answers a joining or returning client with exactly what it lacks, from that copy,
// whatever the channel's history still holds. Copies are saved to a DocumentStore.

import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { parseChannelName } from '../../hub/channel-name.js';
import { HubError, type Hub, type InterceptedPublication, type RpcCall } from '../../hub/index.js';
import { toBase64 } from '../../wire/base64.js';
import { SYNC_RPC, parseDocumentMessage, type DocumentAccess, type SyncReply } from '../messages.js';
import { DocumentRegistry, Origin, type LoadedDocument } from './documents.js';
import { resolveDocumentServiceOptions, type DocumentServiceOptions, type ResolvedDocumentServiceOptions } from './options.js';
import { PeerSync } from './peer-sync.js';
import { checkAwarenessUpdate, checkStateVector, checkUpdate, decodeField } from './validate.js';

/** The tag of this service's own publications, which its interceptor lets through. */
export const DOCUMENT_SERVICE_TAG = 'volley.yjs';

const FROM_CLIENT = Symbol('client');
const FROM_SERVER = Symbol('server');
const FROM_PEER = Symbol('peer');
const FROM_PEER_ANSWER = Symbol('peer-answer');

export interface DocumentServiceStats {
  loads: number;
  unloads: number;
  saves: number;
  saveFailures: number;
  /** Updates merged from clients on this node. */
  updates: number;
  /** Client publications refused (malformed, too large, read-only). */
  refused: number;
  syncs: number;
}

export class DocumentService {
  readonly options: ResolvedDocumentServiceOptions;
  private readonly documents: DocumentRegistry;
  private readonly peers: PeerSync;
  private readonly removeInterceptor: () => void;
  private readonly sweepTimer: ReturnType<typeof setInterval> | undefined;
  private readonly counters = { updates: 0, refused: 0, syncs: 0 };
  private closed = false;

  constructor(
    readonly hub: Hub,
    options: DocumentServiceOptions = {},
  ) {
    this.options = resolveDocumentServiceOptions(options);
    const reportError = (error: unknown) => hub.reportInternalError(error);
    this.peers = new PeerSync(hub.broker, randomUUID(), {
      diff: (channel, vector) => {
        const document = this.documents.peek(channel);
        return document === undefined ? undefined : Y.encodeStateAsUpdate(document.doc, vector);
      },
      apply: (channel, update, answer) => {
        const document = this.documents.peek(channel);
        if (document !== undefined) Y.applyUpdate(document.doc, update, answer ? FROM_PEER_ANSWER : FROM_PEER);
      },
      reportError,
    });
    this.documents = new DocumentRegistry(this.options, {
      attach: (channel) => this.peers.attach(channel),
      loaded: (document) => this.peers.request(document.channel, Y.encodeStateVector(document.doc)),
      detach: (channel) => this.peers.detach(channel),
      changed: (document, update, origin) => this.changed(document, update, origin),
      reportError,
    });
    this.removeInterceptor = hub.addPublishInterceptor((publication) => this.intercept(publication));
    hub.registerRpc(SYNC_RPC, (call) => this.sync(call));
    if (this.options.sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => this.documents.sweep(), this.options.sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  get stats(): DocumentServiceStats {
    return { ...this.documents.stats, ...this.counters };
  }

  /** Documents in this node's memory. */
  get loadedCount(): number {
    return this.documents.size;
  }

  /** True for channels of the document namespace. */
  isDocument(channel: string): boolean {
    return parseChannelName(channel)?.namespace === this.options.namespace;
  }

  /** The document's whole state as one Yjs update (loads it if needed). */
  async encodeState(channel: string): Promise<Uint8Array> {
    return Y.encodeStateAsUpdate((await this.document(channel)).doc);
  }

  /**
   * Changes a document from the server (a template, a bot, an import): `change` runs in
   * one Yjs transaction and the result reaches every client and node like a client's edit.
   */
  async change(channel: string, change: (doc: Y.Doc) => void): Promise<void> {
    const document = await this.document(channel);
    Y.transact(document.doc, () => change(document.doc), FROM_SERVER);
  }

  /** Unloads idle documents now (the timer does it every sweepIntervalMs). */
  sweep(): void {
    this.documents.sweep();
  }

  /** Saves every changed document now. */
  saveAll(): Promise<void> {
    return this.documents.saveAll();
  }

  /** Unloads one document (saving it first). */
  unload(channel: string): Promise<void> {
    return this.documents.unload(channel);
  }

  /** Saves and unloads every document and stops intercepting; the sync rpc then answers `unavailable`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.removeInterceptor();
    await this.documents.close();
  }

  private async document(channel: string): Promise<LoadedDocument> {
    if (this.closed) throw new HubError('unavailable', 'the document service is closed');
    if (!this.isDocument(channel)) throw new HubError('badRequest', `not a channel of the "${this.options.namespace}" namespace`);
    return this.documents.get(channel);
  }

  /** Every publication on this node passes here; documents' ones are checked and merged. */
  private async intercept(publication: InterceptedPublication): Promise<void> {
    if (publication.tag === DOCUMENT_SERVICE_TAG || !this.isDocument(publication.channel)) return;
    try {
      await this.accept(publication);
    } catch (error) {
      this.counters.refused += 1;
      throw error;
    }
  }

  private async accept({ channel, data, info, source }: InterceptedPublication): Promise<void> {
    const message = parseDocumentMessage(data);
    if (typeof message === 'string') throw new HubError('badRequest', message);
    const limit = this.options.maxUpdateSize;
    if (message.a !== undefined) checkAwarenessUpdate(decodeField(message.a, 'awareness update', limit));
    if (message.u === undefined) return;
    if (source === 'client' && (info === undefined || this.accessOf(info, channel) !== 'write')) {
      throw new HubError('permissionDenied', 'read-only access to this document');
    }
    const update = decodeField(message.u, 'document update', limit);
    checkUpdate(update);
    const document = await this.document(channel);
    this.documents.apply(document, update, FROM_CLIENT);
    this.counters.updates += 1;
  }

  /** The sync rpc: only for connections subscribed to the document (so allowed to read it). */
  private async sync(call: RpcCall): Promise<SyncReply> {
    const request = call.data as { channel?: unknown; sv?: unknown } | null | undefined;
    const channel = request?.channel;
    const sv = request?.sv;
    if (typeof channel !== 'string' || typeof sv !== 'string') throw new HubError('badRequest', 'sync needs "channel" and "sv" strings');
    if (!this.isDocument(channel)) throw new HubError('badRequest', `not a channel of the "${this.options.namespace}" namespace`);
    const vector = decodeField(sv, 'state vector', this.options.maxUpdateSize);
    checkStateVector(vector);
    const self = (await this.hub.presence(channel))[call.client];
    if (self === undefined) throw new HubError('permissionDenied', 'subscribe to the document before syncing');
    const document = await this.document(channel);
    this.counters.syncs += 1;
    return {
      update: toBase64(Y.encodeStateAsUpdate(document.doc, vector)),
      sv: toBase64(Y.encodeStateVector(document.doc)),
      access: this.accessOf(self, channel),
    };
  }

  private accessOf(info: Parameters<ResolvedDocumentServiceOptions['access']>[0], channel: string): DocumentAccess {
    return this.options.access(info, channel) === 'write' ? 'write' : 'read';
  }

  /**
   * Where a change goes next: other nodes get everything that did not come from them;
   * clients get what did not come through their channel (server edits, states merged
   * from the store or from another node's answer).
   */
  private changed(document: LoadedDocument, update: Uint8Array, origin: unknown): void {
    if (origin !== FROM_PEER && origin !== FROM_PEER_ANSWER) this.peers.forward(document.channel, update);
    if (origin === FROM_SERVER || origin === Origin.storeMerge || origin === FROM_PEER_ANSWER) {
      this.hub
        .publish(document.channel, { u: toBase64(update) }, { tag: DOCUMENT_SERVICE_TAG })
        .catch((error: unknown) => this.hub.reportInternalError(error));
    }
  }
}
