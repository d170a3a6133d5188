// 'sse': messages down as Server-Sent Events of one held GET (/connection/sse):
// `event: open` (the session id), `id: SEQ` + `data: TEXT` per message, `event: close`.
// Browsers read it with EventSource; where there is none (Node 20) the same format is
// parsed from a fetch stream. Either way a drop is resumed by this socket with
// `session` and `ack` (EventSource's own reconnect would open a new session instead).

import { HttpSocket, MAX_ITEM_CHARS, readLines, type HttpSocketOptions } from './http-socket.js';

export interface EventSourceLike {
  onmessage: ((event: { data: string; lastEventId: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  addEventListener(type: string, listener: (event: { data?: string }) => void): void;
  close(): void;
}

export type EventSourceConstructor = new (url: string) => EventSourceLike;

export class SseSocket extends HttpSocket {
  private source: EventSourceLike | undefined;

  constructor(options: HttpSocketOptions, private readonly EventSourceImpl: EventSourceConstructor | undefined) {
    super(options);
  }

  protected openDown(): void {
    const url = this.url('sse', true);
    if (this.EventSourceImpl === undefined) void this.read(url, this.newDown());
    else this.listen(url, this.EventSourceImpl);
  }

  protected override end(code: number, reason: string): void {
    this.source?.close();
    super.end(code, reason);
  }

  /** One event: the SSE fields that matter here. */
  private event(type: string, data: string, id: string): void {
    if (this.readyState > 1) return;
    if (type === 'message') this.received(Number(id), data);
    else if (type === 'open' || type === 'close') {
      let item: { session?: unknown };
      try {
        item = JSON.parse(data) as typeof item;
      } catch {
        this.end(1007, `the stream sent an ${type} event that is not JSON`);
        return;
      }
      if (type === 'open') this.opened(item?.session);
      else this.closedByServer(item);
    }
  }

  // ---- EventSource ----

  private listen(url: string, EventSourceImpl: EventSourceConstructor): void {
    this.source?.close();
    const source = new EventSourceImpl(url);
    this.source = source;
    source.onmessage = (event) => this.event('message', event.data, event.lastEventId);
    // EventSource's own `open` (the response started) carries no data; the server's does.
    source.addEventListener('open', (event) => {
      if (typeof event.data === 'string') this.event('open', event.data, '');
    });
    source.addEventListener('close', (event) => this.event('close', event.data ?? '', ''));
    source.onerror = () => {
      if (this.source !== source) return;
      source.close();
      this.source = undefined;
      this.dropped('the event stream broke');
    };
  }

  // ---- a fetch stream, parsed here ----

  private async read(url: string, signal: AbortSignal): Promise<void> {
    try {
      const response = await this.fetch(url, { cache: 'no-store', signal, headers: { accept: 'text/event-stream' } });
      if (!response.ok || response.body === null) {
        await this.refused(response);
        return;
      }
      let type = 'message';
      let data: string[] = [];
      let size = 0;
      let id = '';
      await readLines(response.body, (line) => {
        if (line === '') {
          if (data.length > 0) this.event(type, data.join('\n'), id);
          type = 'message';
          data = [];
          size = 0;
          return;
        }
        if (line.startsWith(':')) {
          this.alive(); // heartbeat
          return;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
        if (field === 'data') {
          data.push(value);
          size += value.length;
          if (size > MAX_ITEM_CHARS) throw new Error('an event longer than the limit');
        } else if (field === 'event') type = value;
        else if (field === 'id') id = value;
      });
      this.dropped('the event stream ended');
    } catch (error) {
      if (!signal.aborted) this.dropped(`the event stream broke: ${(error as Error).message}`);
    }
  }
}
