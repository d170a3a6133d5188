// The part every emulated socket shares (docs/transports.md): a session opened by a GET,
// messages down numbered by `seq` and delivered once each, commands up by POST (batched
// per tick, in order, one POST in flight), a dropped GET resumed with `ack`, and HTTP
// statuses and `close` items turned into close codes the Client already understands.
// Imports nothing Node-only: it runs in browsers.

import { LIVENESS_RANGE_MS } from '../wire/index.js';
import { unrefTimer } from './liveness.js';
import type { WebSocketLike } from './transport.js';

type Handler = ((event: any) => void) | null;

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface HttpSocketOptions {
  /** `http(s)://host/connection/`: the paths (sse, stream, poll, send) are appended to it. */
  base: string;
  fetch: FetchLike;
  /**
   * Promise the server a request at least this often (ms; kept within LIVENESS_RANGE_MS):
   * the socket POSTs an empty body when it has sent nothing for that long, and the server
   * ends a session silent for twice as long. For the held-GET transports (SSE, streaming),
   * whose half-open connection the server could not notice otherwise. 0 or absent: none.
   */
  livenessMs?: number;
}

/** Closes with the same meaning as a dropped WebSocket: the Client reconnects and recovers. */
export const LOST = 1006;

/** Resume attempts after a dropped GET before the session is given up (about 8 s in all). */
const MAX_RESUME_TRIES = 6;
/** One POST carries at most this many characters of commands (one larger command goes alone). */
export const MAX_POST_CHARS = 60_000;
/** Retries of a POST the server refused with 429, each after a longer wait. */
const MAX_POST_RETRIES = 5;
/** A line (stream) or event (SSE) longer than this is a broken server: the socket closes. */
export const MAX_ITEM_CHARS = 16 * 1024 * 1024;

export abstract class HttpSocket implements WebSocketLike {
  readyState = 0;
  onopen: Handler = null;
  onmessage: Handler = null;
  onclose: Handler = null;
  onerror: Handler = null;
  /** The server's session id, once announced. */
  session: string | undefined;
  /** The last sequence number delivered: what a resume acknowledges. */
  lastSeq = 0;
  protected readonly base: string;
  protected readonly fetch: FetchLike;
  /** Aborts the GET in progress. */
  protected down: AbortController | undefined;
  private outbox: string[] = [];
  private posting = false;
  private postQueued = false;
  private resumeTries = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly livenessMs: number;
  private keepAliveTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the last POST was sent (the keep-alive counts from it). */
  private lastPostAt = 0;

  constructor(options: HttpSocketOptions) {
    this.base = options.base;
    this.fetch = options.fetch;
    const liveness = options.livenessMs ?? 0;
    this.livenessMs = liveness > 0 ? Math.min(LIVENESS_RANGE_MS.max, Math.max(LIVENESS_RANGE_MS.min, Math.round(liveness))) : 0;
    // Like a WebSocket, it starts at once and reports later (after the caller set handlers).
    this.later(0, () => this.openDown());
  }

  /** Starts the GET: a new session when `this.session` is unset, else a resume after `lastSeq`. */
  protected abstract openDown(): void;

  send(text: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.outbox.push(text);
    if (this.posting || this.postQueued) return;
    this.postQueued = true;
    queueMicrotask(() => {
      this.postQueued = false;
      void this.post();
    });
  }

  close(code = 1000, reason = ''): void {
    // Tell the server, so the session (and its presence) ends now rather than after its grace period.
    if (this.readyState === 1) {
      this.postSend('', '&close=1', { keepalive: true }).catch(() => {});
    }
    this.end(code, reason);
  }

  /**
   * The one way up: a POST of `body` (commands, or empty for a keep-alive or the close) to
   * /connection/send. It acknowledges what arrived, so the server can let go of the
   * messages it keeps for a resume.
   */
  private postSend(body: string, query = '', init: RequestInit = {}): Promise<Response> {
    const url = `${this.base}send?session=${encodeURIComponent(this.session!)}&ack=${this.lastSeq}${query}`;
    return this.fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body, cache: 'no-store', ...init });
  }

  // ---- for the transports ----

  protected url(path: string, resume: boolean): string {
    if (this.session === undefined) return this.base + path + (this.livenessMs > 0 ? `?liveness=${this.livenessMs}` : '');
    return `${this.base}${path}?session=${encodeURIComponent(this.session)}${resume ? `&ack=${this.lastSeq}` : ''}`;
  }

  /** A new AbortController for the next GET; the previous one is aborted. */
  protected newDown(): AbortSignal {
    this.down?.abort();
    this.down = new AbortController();
    return this.down.signal;
  }

  protected opened(session: unknown): void {
    if (this.readyState !== 0) return;
    if (typeof session !== 'string' || session === '') {
      this.end(1002, 'the server announced no session id');
      return;
    }
    this.session = session;
    this.readyState = 1;
    this.lastPostAt = Date.now();
    this.keepAlive();
    this.onopen?.({});
  }

  /** Keeps the liveness promise: an empty POST when nothing was POSTed for livenessMs. */
  private keepAlive(): void {
    if (this.livenessMs === 0 || this.readyState !== 1) return;
    const quiet = Date.now() - this.lastPostAt;
    if (quiet >= this.livenessMs && !this.posting) {
      this.lastPostAt = Date.now();
      this.postSend('').then((response) => void response.body?.cancel(), () => {});
    }
    this.keepAliveTimer = setTimeout(() => this.keepAlive(), Math.max(50, this.livenessMs - (Date.now() - this.lastPostAt)));
    unrefTimer(this.keepAliveTimer);
  }

  /** Something arrived on the GET: it works, so the next drop starts a new round of resumes. */
  protected alive(): void {
    this.resumeTries = 0;
  }

  protected received(seq: unknown, text: string): void {
    this.alive();
    if (this.readyState !== 1 || typeof seq !== 'number' || seq <= this.lastSeq) return; // resent after a resume
    this.lastSeq = seq;
    this.onmessage?.({ data: text });
  }

  protected closedByServer(item: unknown): void {
    const { code, reason } = (item ?? {}) as { code?: unknown; reason?: unknown };
    this.end(typeof code === 'number' ? code : LOST, typeof reason === 'string' ? reason : '');
  }

  /** The GET answered with an error status: nothing more comes on it. */
  protected async refused(response: Response): Promise<void> {
    this.end(closeCodeFor(response.status), await errorReason(response));
  }

  /** The GET ended or broke without a `close` item: resume, or fail when never opened. */
  protected dropped(why: string): void {
    if (this.readyState === 0) this.end(LOST, why);
    if (this.readyState !== 1) return;
    const tries = this.resumeTries++;
    if (tries >= MAX_RESUME_TRIES) {
      this.end(LOST, `${why} (gave up resuming)`);
      return;
    }
    this.later(tries === 0 ? 0 : Math.min(250 * 2 ** (tries - 1), 4000), () => this.openDown());
  }

  /** Closes the socket and reports it (once). */
  protected end(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    clearTimeout(this.timer);
    clearTimeout(this.keepAliveTimer);
    this.down?.abort();
    this.outbox = [];
    const onclose = this.onclose;
    // After close() too, as a WebSocket does; abandonSocket() removes the handler first.
    if (onclose !== null) queueMicrotask(() => onclose({ code, reason }));
  }

  protected later(ms: number, run: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.readyState < 2) run();
    }, ms);
  }

  // ---- commands up ----

  private async post(retries = 0): Promise<void> {
    if (this.posting || this.outbox.length === 0 || this.readyState !== 1) return;
    this.posting = true;
    this.lastPostAt = Date.now();
    const batch = takeBatch(this.outbox);
    let response: Response;
    try {
      response = await this.postSend(batch.join('\n'));
    } catch (error) {
      // Whether the server took the commands is unknown; resending could publish twice, so
      // the socket ends as a WebSocket would, and the Client fails the commands in flight.
      this.posting = false;
      this.end(LOST, `sending commands failed: ${(error as Error).message}`);
      return;
    }
    this.posting = false;
    if (response.status === 429 && retries < MAX_POST_RETRIES) {
      // Refused as a whole, so sending the same batch again later is safe.
      void response.body?.cancel();
      this.outbox.unshift(...batch);
      this.posting = true;
      setTimeout(() => {
        this.posting = false;
        void this.post(retries + 1);
      }, retryAfterMs(response, retries));
      return;
    }
    if (!response.ok) {
      await this.refused(response);
      return;
    }
    void response.body?.cancel();
    void this.post();
  }
}

/** Takes the oldest commands from `outbox` up to MAX_POST_CHARS (always at least one). */
function takeBatch(outbox: string[]): string[] {
  let chars = outbox[0]!.length;
  let count = 1;
  while (count < outbox.length && chars + outbox[count]!.length + 1 <= MAX_POST_CHARS) chars += outbox[count++]!.length + 1;
  return outbox.splice(0, count);
}

function retryAfterMs(response: Response, retries: number): number {
  const seconds = Number(response.headers.get('retry-after'));
  return seconds > 0 ? Math.min(seconds, 30) * 1000 : 200 * 2 ** retries;
}

/**
 * The close code an HTTP error status means, with the Client's usual reading of it:
 * below 3500 reconnect (the hub's recovery takes over), 3500–3999 do not reconnect unchanged.
 */
export function closeCodeFor(status: number): number {
  switch (status) {
    case 400: return 3501; // bad request
    case 401: return 3500; // unauthorized
    case 403: return 3500; // origin (or token) not allowed: the same request fails again
    case 413: return 3504; // message too large
    case 429:
    case 503: return 1013; // try again later
    default: return LOST; // 404 unknown or expired session, 5xx, anything else: a new session
  }
}

async function errorReason(response: Response): Promise<string> {
  let message = '';
  try {
    const body = (await response.json()) as { error?: { message?: unknown } };
    if (typeof body?.error?.message === 'string') message = body.error.message;
  } catch {
    // Not the JSON error body (a proxy's page): the status says enough.
  }
  return `HTTP ${response.status}${message === '' ? '' : `: ${message}`}`.slice(0, 120);
}

/** Calls `onLine` for each `\n`-terminated line of a response body (without `\n` and `\r`). */
export async function readLines(body: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let start = 0;
      let end: number;
      while ((end = buffer.indexOf('\n', start)) >= 0) {
        onLine(buffer.slice(start, buffer[end - 1] === '\r' ? end - 1 : end));
        start = end + 1;
      }
      buffer = buffer.slice(start);
      if (buffer.length > MAX_ITEM_CHARS) throw new Error('a line longer than the limit');
    }
  } finally {
    reader.releaseLock();
  }
}
