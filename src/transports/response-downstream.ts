// A session's Downstream over a local HTTP response.

import type { ServerResponse } from 'node:http';
import type { Downstream } from './http-session.js';
import type { Chunk } from './wire-format.js';

export class ResponseDownstream implements Downstream {
  constructor(private readonly res: ServerResponse) {}

  write(chunks: Chunk[]): void {
    const res = this.res;
    if (res.writableEnded || res.destroyed || chunks.length === 0) return;
    // One writev for a message's prefix and body.
    res.cork();
    for (const chunk of chunks) res.write(chunk);
    res.uncork();
  }

  end(chunks: Chunk[]): void {
    this.write(chunks);
    if (!this.res.writableEnded) this.res.end();
  }

  destroy(): void {
    this.res.destroy();
  }

  get pending(): number {
    return this.res.writableLength;
  }
}
