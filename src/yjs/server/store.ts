// Where documents are kept between loads. The service writes a document's whole state
// (one Yjs update, compacted by Yjs) after changes, debounced; a real store (a database,
// S3, Redis) implements these two calls.

export interface DocumentStore {
  /** The stored state of the document (a Yjs update), or undefined when there is none. */
  load(name: string): Promise<Uint8Array | undefined>;
  /** Replaces the stored state. Must be atomic: a crash leaves the old or the new state. */
  save(name: string, state: Uint8Array): Promise<void>;
}

/** Keeps states in this process only: for tests and for documents that may be lost. */
export class MemoryDocumentStore implements DocumentStore {
  private readonly states = new Map<string, Uint8Array>();

  async load(name: string): Promise<Uint8Array | undefined> {
    return this.states.get(name);
  }

  async save(name: string, state: Uint8Array): Promise<void> {
    this.states.set(name, Uint8Array.from(state));
  }

  get size(): number {
    return this.states.size;
  }
}
