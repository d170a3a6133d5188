// Plain HTTP clients of the transports for the tests: a held GET read incrementally as SSE
// events or NDJSON lines, a long-poll GET, and POST /connection/send. No SDK.
import http from 'node:http';

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/** Parses complete SSE events out of `text`; returns them and the unparsed rest. */
export function parseSse(text: string): { events: SseEvent[]; comments: number; rest: string } {
  const events: SseEvent[] = [];
  let comments = 0;
  const blocks = text.split('\n\n');
  const rest = blocks.pop()!;
  for (const block of blocks) {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    let onlyComments = true;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      onlyComments = false;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (onlyComments) comments += 1;
    else events.push({ event, id, data: data.join('\n') });
  }
  return { events, comments, rest };
}

/** A held GET whose body is read as it comes. */
export class HeldGet {
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  text = '';
  ended = false;
  private readonly req: http.ClientRequest;
  private readonly waiters: Array<() => void> = [];
  readonly response: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}, options: { read?: boolean } = {}) {
    let onResponse!: () => void;
    let onError!: (error: Error) => void;
    this.response = new Promise((resolve, reject) => ((onResponse = resolve), (onError = reject)));
    this.req = http.get(url, { headers, agent: false }, (res) => {
      this.status = res.statusCode!;
      this.headers = res.headers;
      onResponse();
      if (options.read === false) {
        res.pause();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        this.text += chunk;
        this.wake();
      });
      res.on('end', () => {
        this.ended = true;
        this.wake();
      });
      res.on('error', () => {});
    });
    this.req.on('error', (error) => {
      this.ended = true;
      onError(error);
      this.wake();
    });
  }

  get sse(): SseEvent[] {
    return parseSse(this.text).events;
  }

  get lines(): unknown[] {
    return this.text.split('\n').slice(0, -1).filter((line) => line !== '').map((line) => JSON.parse(line));
  }

  /** Waits until `condition` holds (checked on every chunk); fails after `timeoutMs`. */
  async until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got: ${this.text.slice(-500)}`);
      if (this.ended && !condition()) throw new Error(`the response ended before ${what}; got: ${this.text.slice(-500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.req.destroy();
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POST /connection/send with one command per line. */
export function post(base: string, session: string, commands: unknown[], headers: Record<string, string> = {}): Promise<Answer> {
  return request(`${base}/connection/send?session=${encodeURIComponent(session)}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', ...headers },
    body: commands.map((c) => (typeof c === 'string' ? c : JSON.stringify(c))).join('\n'),
  });
}
