// The embedded on-disk store: one file per document holding its encoded state, written
// atomically (temporary file, fsync, rename) so a crash leaves the old or the new file.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DocumentStore } from './store.js';

const EXTENSION = '.ydoc';
/** Longer encoded names are hashed so a file name stays under common 255-byte limits. */
const MAX_READABLE_NAME = 200;

export class FileDocumentStore implements DocumentStore {
  private ready: Promise<unknown> | undefined;

  constructor(readonly directory: string) {}

  /** The file of a document: its name percent-encoded, or its SHA-256 when that is long. */
  fileOf(name: string): string {
    const readable = encodeURIComponent(name);
    const base = readable.length <= MAX_READABLE_NAME ? readable : `sha256-${createHash('sha256').update(name).digest('hex')}`;
    return join(this.directory, base + EXTENSION);
  }

  async load(name: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.fileOf(name)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async save(name: string, state: Uint8Array): Promise<void> {
    this.ready ??= mkdir(this.directory, { recursive: true });
    await this.ready;
    const file = this.fileOf(name);
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(state);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
