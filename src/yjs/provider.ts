// VolleyProvider: keeps a Y.Doc and its awareness in sync through one Volley channel.
//
// Local changes are merged and published as one publication per flush interval. After
// every (re)subscribe the provider syncs by state vectors with the server's copy (the
// sync rpc): it takes what it lacks and publishes what the server lacks, so edits made
// offline merge when the connection returns and a late joiner gets the whole document
// in one reply, whatever the channel's history still holds.

import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import { WireErrorCode, type Client, type Subscription, type SubscriptionOptions, type PublicationContext, type PresenceContext } from '../client/index.js';
import { Emitter } from '../client/emitter.js';
import { fromBase64, toBase64 } from '../wire/base64.js';
import { SYNC_RPC, parseDocumentMessage, type DocumentAccess, type DocumentMessage, type SyncReply } from './messages.js';

export interface VolleyProviderOptions {
  /** The awareness to share (names, colours, cursors). Default: a new one on the doc. */
  awareness?: Awareness;
  /** Options of the channel's subscription (e.g. `token` / `getToken` for a private `$` channel). */
  subscription?: SubscriptionOptions;
  /** Local changes within this window go out as one publication. Default 100 ms. */
  flushIntervalMs?: number;
  /** First delay before a failed sync is tried again (doubling up to 30 s). Default 1000 ms. */
  retryDelayMs?: number;
}

export interface VolleyProviderEvents {
  /** `true` once the document holds the server's state (after each (re)subscribe). */
  synced: { synced: boolean };
  /** A sync, a publish or an incoming message failed; the provider carries on. */
  error: { error: unknown };
}

export const PROVIDER_DEFAULTS = { flushIntervalMs: 100, retryDelayMs: 1000 } as const;
const MAX_RETRY_DELAY_MS = 30_000;
/** Error codes after which resending the same change cannot succeed. */
const PERMANENT_REFUSALS = new Set<number>([WireErrorCode.permissionDenied, WireErrorCode.badRequest, WireErrorCode.messageTooLarge, WireErrorCode.limitExceeded]);

export class VolleyProvider extends Emitter<VolleyProviderEvents> {
  readonly awareness: Awareness;
  readonly subscription: Subscription<DocumentMessage>;
  private isSynced = false;
  private grantedAccess: DocumentAccess | undefined;
  private pendingUpdates: Uint8Array[] = [];
  private awarenessChanged = false;
  private answerNewcomer = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelay: number;
  private syncRound = 0;
  private destroyed = false;
  /** The connection each remote awareness id came from last, to clear them when it leaves. */
  private readonly connectionOfAwareness = new Map<number, string>();
  private publisherOfIncoming: string | undefined;
  private readonly offs: Array<() => void> = [];
  private readonly flushIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly ownsAwareness: boolean;

  constructor(
    readonly client: Client,
    readonly channel: string,
    readonly doc: Y.Doc,
    options: VolleyProviderOptions = {},
  ) {
    super();
    this.ownsAwareness = options.awareness === undefined;
    this.awareness = options.awareness ?? new Awareness(doc);
    this.flushIntervalMs = options.flushIntervalMs ?? PROVIDER_DEFAULTS.flushIntervalMs;
    this.retryDelayMs = options.retryDelayMs ?? PROVIDER_DEFAULTS.retryDelayMs;
    this.retryDelay = this.retryDelayMs;
    this.subscription = client.newSubscription<DocumentMessage>(channel, options.subscription);
    doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
    this.offs.push(
      () => doc.off('update', this.onDocUpdate),
      () => this.awareness.off('update', this.onAwarenessUpdate),
      this.subscription.on('subscribed', () => void this.sync()),
      this.subscription.on('subscribing', () => this.setSynced(false)),
      this.subscription.on('unsubscribed', () => this.setSynced(false)),
      this.subscription.on('publication', (publication) => this.onPublication(publication)),
      this.subscription.on('leave', (presence) => this.onLeave(presence)),
    );
    this.subscription.subscribe();
  }

  /** True while the document holds the server's state and local changes are being sent. */
  get synced(): boolean {
    return this.isSynced;
  }

  /** What the server lets this connection do (known after the first sync). */
  get access(): DocumentAccess | undefined {
    return this.grantedAccess;
  }

  /** Resolves at the next (or current) synced state. */
  whenSynced(): Promise<void> {
    if (this.isSynced) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.on('synced', ({ synced }) => {
        if (!synced) return;
        off();
        resolve();
      });
    });
  }

  /** Tells the others this client has left, stops syncing and removes the subscription. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
    if (this.isSynced) {
      const farewell = encodeAwarenessUpdate(this.awareness, [this.doc.clientID], new Map());
      this.subscription.publish({ a: toBase64(farewell) }, { excludeSelf: true }).catch(() => {});
    }
    for (const off of this.offs) off();
    this.subscription.unsubscribe();
    this.client.removeSubscription(this.subscription);
    if (this.ownsAwareness) this.awareness.destroy();
    this.removeAllListeners();
  }

  /** Exchanges state vectors with the server: take what we lack, send what it lacks. */
  private async sync(): Promise<void> {
    const round = ++this.syncRound;
    clearTimeout(this.retryTimer);
    try {
      const sv = toBase64(Y.encodeStateVector(this.doc));
      const reply = await this.client.rpc<SyncReply>(SYNC_RPC, { channel: this.channel, sv });
      if (round !== this.syncRound || this.destroyed) return;
      const update = fromBase64(reply.update);
      const serverVector = fromBase64(reply.sv);
      if (update === undefined || serverVector === undefined) throw new Error('the sync reply is not base64');
      Y.applyUpdate(this.doc, update, this);
      this.grantedAccess = reply.access;
      this.pendingUpdates = [];
      // Everything made here that the server has not seen (offline edits included).
      const missing = reply.access === 'write' ? Y.encodeStateAsUpdate(this.doc, serverVector) : undefined;
      this.renewLocalState();
      const message: DocumentMessage = { a: toBase64(encodeAwarenessUpdate(this.awareness, [this.doc.clientID])) };
      if (missing !== undefined && hasContent(missing)) message.u = toBase64(missing);
      this.retryDelay = this.retryDelayMs;
      this.setSynced(true);
      await this.send(message);
    } catch (error) {
      if (round !== this.syncRound || this.destroyed) return;
      this.emit('error', { error });
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.destroyed || this.subscription.state !== 'subscribed') return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.sync(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_DELAY_MS);
  }

  private setSynced(synced: boolean): void {
    if (!synced) {
      this.syncRound += 1; // a sync in flight belongs to the old connection
      if (this.isSynced) this.forgetRemoteStates();
    }
    if (this.isSynced === synced) return;
    this.isSynced = synced;
    this.emit('synced', { synced });
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this || this.destroyed) return;
    // While not synced, the next sync's state-vector diff carries this change.
    if (!this.isSynced || this.grantedAccess !== 'write') return;
    this.pendingUpdates.push(update);
    this.scheduleFlush();
  };

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (this.destroyed) return;
    if (origin === this) {
      // Remote states: remember which connection sent them; answer a newcomer (a new
      // state, or a known one back on a new connection) with our own state.
      const publisher = this.publisherOfIncoming;
      let newcomer = added.length > 0;
      if (publisher !== undefined) {
        newcomer ||= ![...this.connectionOfAwareness.values()].includes(publisher);
        for (const id of [...added, ...updated]) this.connectionOfAwareness.set(id, publisher);
      }
      for (const id of removed) this.connectionOfAwareness.delete(id);
      if (newcomer) {
        this.answerNewcomer = true;
        this.markAwarenessChanged();
      }
      return;
    }
    if ([...added, ...updated, ...removed].includes(this.doc.clientID)) this.markAwarenessChanged();
  };

  /**
   * Sets the local state again, moving its clock on: others ignore a state whose clock
   * they have seen (a new Awareness starts at 0; one they dropped keeps its clock).
   */
  private renewLocalState(): void {
    const local = this.awareness.getLocalState();
    if (local !== null) this.awareness.setLocalState(local);
  }

  private markAwarenessChanged(): void {
    if (!this.isSynced) return; // the sync sends the local state
    this.awarenessChanged = true;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, this.flushIntervalMs);
  }

  private async flush(): Promise<void> {
    if (!this.isSynced || this.destroyed) return;
    const message: DocumentMessage = {};
    if (this.pendingUpdates.length > 0) {
      message.u = toBase64(Y.mergeUpdates(this.pendingUpdates));
      this.pendingUpdates = [];
    }
    if (this.answerNewcomer) {
      this.answerNewcomer = false;
      this.renewLocalState();
    }
    if (this.awarenessChanged) {
      this.awarenessChanged = false;
      message.a = toBase64(encodeAwarenessUpdate(this.awareness, [this.doc.clientID]));
    }
    if (message.u !== undefined || message.a !== undefined) await this.send(message);
  }

  /**
   * Publishes; a refused or lost document update is recovered by a new state-vector sync
   * (at once after a reconnect, with backoff otherwise), unless resending cannot help.
   */
  private async send(message: DocumentMessage): Promise<void> {
    try {
      await this.subscription.publish(message, { excludeSelf: true });
    } catch (error) {
      if (this.destroyed) return;
      this.emit('error', { error });
      const code = (error as { code?: unknown }).code;
      if (message.u !== undefined && !(typeof code === 'number' && PERMANENT_REFUSALS.has(code))) this.scheduleRetry();
    }
  }

  private onPublication({ data, info }: PublicationContext<DocumentMessage>): void {
    const message = parseDocumentMessage(data);
    if (typeof message === 'string') {
      this.emit('error', { error: new Error(message) });
      return;
    }
    try {
      if (message.u !== undefined) {
        const update = fromBase64(message.u);
        if (update === undefined) throw new Error('a document update that is not base64');
        Y.applyUpdate(this.doc, update, this);
      }
      if (message.a !== undefined) {
        const update = fromBase64(message.a);
        if (update === undefined) throw new Error('an awareness update that is not base64');
        this.publisherOfIncoming = info?.client;
        try {
          applyAwarenessUpdate(this.awareness, update, this);
        } finally {
          this.publisherOfIncoming = undefined;
        }
      }
    } catch (error) {
      this.emit('error', { error });
    }
  }

  /** A connection left the channel (needs join/leave pushes): its cursors go at once. */
  private onLeave({ info }: PresenceContext): void {
    const ids = [...this.connectionOfAwareness].filter(([, connection]) => connection === info.client).map(([id]) => id);
    if (ids.length > 0) removeAwarenessStates(this.awareness, ids, this);
  }

  /** Without a connection the others' states go stale: drop them; they come back with the next sync. */
  private forgetRemoteStates(): void {
    const remote = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
    this.connectionOfAwareness.clear();
    if (remote.length > 0) removeAwarenessStates(this.awareness, remote, this);
  }
}

/** An update that changes something (an empty Yjs update is two zero bytes). */
function hasContent(update: Uint8Array): boolean {
  return !(update.length === 2 && update[0] === 0 && update[1] === 0);
}
