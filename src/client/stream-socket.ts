// 'http-stream': messages down as NDJSON lines of one held GET (/connection/stream), read
// with fetch streams. Lines: {"open":{"session"}}, {"seq","m"}, {"close":{"code","reason"}},
// and empty heartbeat lines.

import { HttpSocket, readLines } from './http-socket.js';

export class StreamSocket extends HttpSocket {
  protected openDown(): void {
    void this.read(this.url('stream', true), this.newDown());
  }

  private async read(url: string, signal: AbortSignal): Promise<void> {
    try {
      const response = await this.fetch(url, { cache: 'no-store', signal });
      if (!response.ok || response.body === null) {
        await this.refused(response);
        return;
      }
      await readLines(response.body, (line) => this.line(line));
      this.dropped('the stream ended');
    } catch (error) {
      if (!signal.aborted) this.dropped(`the stream broke: ${(error as Error).message}`);
    }
  }

  private line(line: string): void {
    if (this.readyState > 1) return;
    if (line === '') {
      this.alive();
      return;
    }
    let item: { open?: { session?: unknown }; seq?: unknown; m?: unknown; close?: unknown };
    try {
      item = JSON.parse(line) as typeof item;
    } catch {
      this.end(1007, 'the stream sent a line that is not JSON');
      return;
    }
    if (item.m !== undefined) this.received(item.seq, JSON.stringify(item.m));
    else if (item.open !== undefined) this.opened(item.open?.session);
    else if (item.close !== undefined) this.closedByServer(item.close);
  }
}
