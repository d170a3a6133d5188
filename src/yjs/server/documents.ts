// The documents this node holds in memory: one Y.Doc each, loaded from the store on
// first use, saved after changes (debounced), unloaded when idle or when too many are
// loaded (least recently used first). Loads and unloads of one document never overlap.

import * as Y from 'yjs';
import { HubError } from '../../hub/index.js';
import type { ResolvedDocumentServiceOptions } from './options.js';

/** Origins of changes, so the service can tell where an update came from. */
export const Origin = {
  /** The stored state, applied when the document is loaded. */
  load: Symbol('load'),
  /** A state another node saved meanwhile, merged in before saving. */
  storeMerge: Symbol('store-merge'),
} as const;

export interface LoadedDocument {
  readonly channel: string;
  readonly doc: Y.Doc;
  /** Encoded size at load plus the bytes applied since: an upper bound of the state's size. */
  sizeBound: number;
}

export interface DocumentHooks {
  /** Called before the stored state is read: start receiving other nodes' changes. */
  attach(channel: string): Promise<void>;
  /** The document has been loaded (after attach and the store read). */
  loaded(document: LoadedDocument): void;
  /** Called after the last save: stop receiving other nodes' changes. */
  detach(channel: string): Promise<void>;
  /** Any change to a loaded document, with its origin. */
  changed(document: LoadedDocument, update: Uint8Array, origin: unknown): void;
  reportError(error: unknown): void;
}

interface Entry extends LoadedDocument {
  lastUsed: number;
  firstUnsavedAt: number | undefined;
  saveTimer: ReturnType<typeof setTimeout> | undefined;
  saving: Promise<void>;
}

export class DocumentRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly unloading = new Map<string, Promise<void>>();
  readonly stats = { loads: 0, unloads: 0, saves: 0, saveFailures: 0 };

  constructor(
    private readonly options: ResolvedDocumentServiceOptions,
    private readonly hooks: DocumentHooks,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The loaded document, if it is in memory (no load, no touch). */
  peek(channel: string): LoadedDocument | undefined {
    return this.entries.get(channel);
  }

  /** The document, loaded if needed; marks it used. */
  async get(channel: string): Promise<LoadedDocument> {
    const entry = this.entries.get(channel) ?? (await this.load(channel));
    entry.lastUsed = this.now();
    // Map order is the LRU order: the most recently used last.
    this.entries.delete(channel);
    this.entries.set(channel, entry);
    return entry;
  }

  /**
   * Applies a client's update after checking the document's size limit. The update has
   * been checked to decode (validate.ts); Yjs failing anyway is still a bad request.
   */
  apply(document: LoadedDocument, update: Uint8Array, origin: unknown): void {
    const limit = this.options.maxDocumentSize;
    if (document.sizeBound + update.length > limit) {
      document.sizeBound = Y.encodeStateAsUpdate(document.doc).length;
      if (document.sizeBound + update.length > limit) throw new HubError('limitExceeded', `document over ${limit} bytes`);
    }
    try {
      Y.applyUpdate(document.doc, update, origin);
    } catch {
      throw new HubError('badRequest', 'malformed Yjs update');
    }
    document.sizeBound += update.length;
  }

  /** Unloads documents unused for idleUnloadMs. */
  sweep(): void {
    const idleSince = this.now() - this.options.idleUnloadMs;
    for (const entry of [...this.entries.values()]) {
      if (entry.lastUsed <= idleSince) void this.unload(entry.channel);
    }
  }

  /** Saves every document with unsaved changes. */
  async saveAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => this.save(entry)));
  }

  /** Saves and unloads everything. */
  async close(): Promise<void> {
    await Promise.all([...this.loading.values()].map((p) => p.catch(() => {})));
    await Promise.all([...this.entries.keys()].map((channel) => this.unload(channel)));
  }

  /** Saves the document if it changed, then drops it from memory. */
  unload(channel: string): Promise<void> {
    const entry = this.entries.get(channel);
    if (entry === undefined) return this.unloading.get(channel) ?? Promise.resolve();
    this.entries.delete(channel);
    const done = (async () => {
      clearTimeout(entry.saveTimer);
      try {
        await this.save(entry);
      } catch (error) {
        // Keep it in memory rather than lose its changes; the save is tried again.
        this.entries.set(channel, entry);
        this.scheduleSave(entry);
        throw error;
      }
      await this.hooks.detach(channel).catch((error: unknown) => this.hooks.reportError(error));
      entry.doc.destroy();
      this.stats.unloads += 1;
    })();
    this.unloading.set(channel, done);
    const forget = () => {
      if (this.unloading.get(channel) === done) this.unloading.delete(channel);
    };
    done.then(forget, forget);
    return done.catch(() => {}); // save() has reported it
  }

  private load(channel: string): Promise<Entry> {
    let pending = this.loading.get(channel);
    if (pending === undefined) {
      pending = this.read(channel);
      this.loading.set(channel, pending);
      const forget = () => this.loading.delete(channel);
      pending.then(forget, forget);
    }
    return pending;
  }

  private async read(channel: string): Promise<Entry> {
    await this.unloading.get(channel);
    const doc = new Y.Doc();
    const entry: Entry = {
      channel,
      doc,
      sizeBound: 0,
      lastUsed: this.now(),
      firstUnsavedAt: undefined,
      saveTimer: undefined,
      saving: Promise.resolve(),
    };
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === Origin.load) return;
      this.scheduleSave(entry);
      this.hooks.changed(entry, update, origin);
    });
    try {
      await this.hooks.attach(channel);
      const stored = await this.options.store.load(channel);
      if (stored !== undefined) {
        try {
          Y.applyUpdate(doc, stored, Origin.load);
        } catch (error) {
          throw new Error(`the stored state of ${channel} does not decode`, { cause: error });
        }
        entry.sizeBound = stored.length;
      }
    } catch (error) {
      await this.hooks.detach(channel).catch(() => {});
      doc.destroy();
      throw error;
    }
    this.entries.set(channel, entry);
    this.stats.loads += 1;
    this.hooks.loaded(entry);
    this.evictOverLimit();
    return entry;
  }

  private evictOverLimit(): void {
    for (const channel of this.entries.keys()) {
      if (this.entries.size <= this.options.maxLoadedDocuments) return;
      void this.unload(channel);
    }
  }

  private scheduleSave(entry: Entry): void {
    const now = this.now();
    entry.firstUnsavedAt ??= now;
    const at = Math.min(now + this.options.saveDelayMs, entry.firstUnsavedAt + this.options.maxSaveDelayMs);
    clearTimeout(entry.saveTimer);
    entry.saveTimer = setTimeout(() => {
      entry.saveTimer = undefined;
      this.save(entry).catch(() => {});
    }, Math.max(0, at - now));
    entry.saveTimer.unref?.();
  }

  /**
   * Writes the state if it has unsaved changes; saves of one document run one at a time.
   * The stored state is merged in first, so nodes sharing a store never erase each
   * other's changes. A failed save is reported and tried again later.
   */
  private save(entry: Entry): Promise<void> {
    entry.saving = entry.saving.catch(() => {}).then(async () => {
      if (entry.firstUnsavedAt === undefined) return;
      clearTimeout(entry.saveTimer);
      entry.saveTimer = undefined;
      entry.firstUnsavedAt = undefined;
      try {
        const stored = await this.options.store.load(entry.channel);
        if (stored !== undefined) Y.applyUpdate(entry.doc, stored, Origin.storeMerge);
        clearTimeout(entry.saveTimer); // the merge may have scheduled one
        entry.saveTimer = undefined;
        entry.firstUnsavedAt = undefined;
        const state = Y.encodeStateAsUpdate(entry.doc);
        entry.sizeBound = state.length;
        await this.options.store.save(entry.channel, state);
        this.stats.saves += 1;
      } catch (error) {
        this.stats.saveFailures += 1;
        this.hooks.reportError(error);
        if (this.entries.get(entry.channel) === entry) this.scheduleSave(entry);
        throw error;
      }
    });
    return entry.saving;
  }
}
