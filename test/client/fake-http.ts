// An in-process fake of the server side of the HTTP transports (docs/transports.md), for
// unit tests of the client's emulated sockets: a `fetch` that opens sessions, streams
// NDJSON or SSE, answers polls, takes POSTed commands, and lets the test drop a stream,
// expire a session, refuse a POST, or close a session with a code. No network.

import type { Command } from '../../src/wire/index.js';

type Kind = 'stream' | 'sse' | 'poll';

export interface FakePost {
  session: string;
  lines: string[];
}

export class FakeSession {
  /** Every message sent, kept: a resume sends those after `ack` (minus `overlap`) again. */
  readonly log: Array<{ seq: number; text: string }> = [];
  /** The `ack` of each resume GET, oldest first. */
  readonly acks: number[] = [];
  readonly commands: Command[] = [];
  private write: ((text: string) => void) | undefined;
  private fail: ((error: Error) => void) | undefined;
  private poll: ((answer: object) => void) | undefined;
  private closeItem: { code: number; reason: string } | undefined;

  constructor(readonly id: string, readonly kind: Kind, private readonly http: FakeHttp) {}

  get attached(): boolean {
    return this.write !== undefined || this.poll !== undefined;
  }

  /** Queues one volley.v1 message down (a reply or a push). */
  push(message: object): void {
    const entry = { seq: this.log.length + 1, text: JSON.stringify(message) };
    this.log.push(entry);
    if (this.write !== undefined) this.write(this.encode(entry));
    else this.answerPoll();
  }

  /** The network drops the GET in progress (the session lives on). */
  drop(): void {
    this.wasDropped = true;
    const fail = this.fail;
    this.detach();
    fail?.(new Error('connection reset'));
  }

  /** The server ends the session with a close code (delivered now, or on the next GET). */
  close(code: number, reason = ''): void {
    this.closeItem = { code, reason };
    if (this.write !== undefined) this.writeClose();
    else this.answerPoll();
  }

  private writeClose(): void {
    const item = this.kind === 'sse' ? `event: close\ndata: ${JSON.stringify(this.closeItem)}\n\n` : `${JSON.stringify({ close: this.closeItem })}\n`;
    this.write!(item);
    this.end?.();
    this.detach();
    this.http.sessions.delete(this.id);
  }

  /** Sends a heartbeat on the open stream. */
  heartbeat(): void {
    this.write?.(this.kind === 'sse' ? ': \n\n' : '\n');
  }

  // ---- the fake server's side ----

  private end: (() => void) | undefined;
  /** Dropped since the last GET: the next one is a resume after a drop (where `overlap` applies). */
  wasDropped = false;

  attachStream(controller: ReadableStreamDefaultController<Uint8Array>, fromSeq: number, opening: boolean): void {
    const encoder = new TextEncoder();
    const chunk = this.http.chunkSize;
    this.write = (text) => {
      // Split into small chunks so that lines and events cross chunk boundaries.
      const bytes = encoder.encode(text);
      for (let i = 0; i < bytes.length; i += chunk) controller.enqueue(bytes.subarray(i, i + chunk));
    };
    this.fail = (error) => controller.error(error);
    this.end = () => controller.close();
    if (opening) this.write(this.kind === 'sse' ? `event: open\ndata: {"session":"${this.id}"}\n\n` : `{"open":{"session":"${this.id}"}}\n`);
    for (const entry of this.log) if (entry.seq > fromSeq) this.write(this.encode(entry));
    if (this.closeItem !== undefined) this.writeClose();
  }

  attachPoll(fromSeq: number, answer: (body: object) => void, fail: (error: Error) => void): void {
    this.sent = fromSeq;
    this.poll = answer;
    this.fail = fail;
    this.answerPoll();
  }

  private sent = 0;

  private answerPoll(): void {
    const poll = this.poll;
    if (poll === undefined) return;
    const messages = this.log.filter((entry) => entry.seq > this.sent).map((entry) => ({ seq: entry.seq, m: JSON.parse(entry.text) as unknown }));
    if (messages.length === 0 && this.closeItem === undefined) return;
    this.detach();
    if (this.closeItem !== undefined) this.http.sessions.delete(this.id);
    poll(this.closeItem === undefined ? { messages } : { messages, close: this.closeItem });
  }

  detach(): void {
    this.write = undefined;
    this.fail = undefined;
    this.poll = undefined;
    this.end = undefined;
  }

  private encode(entry: { seq: number; text: string }): string {
    return this.kind === 'sse' ? `id: ${entry.seq}\ndata: ${entry.text}\n\n` : `{"seq":${entry.seq},"m":${entry.text}}\n`;
  }
}

export class FakeHttp {
  readonly sessions = new Map<string, FakeSession>();
  /** Every session ever opened, oldest first. */
  readonly opened: FakeSession[] = [];
  readonly posts: FakePost[] = [];
  readonly gets: string[] = [];
  /** Bytes per chunk of a streamed response. */
  chunkSize = 7;
  /** A resume sends this many already acknowledged messages again (to prove the client drops them). */
  overlap = 0;
  /** Set to answer the next POSTs with this status (or a network error with 'error'); cleared by the test. */
  postFailure: number | 'error' | undefined;
  /** Holds POST answers until `releasePosts()` when true. */
  holdPosts = false;
  private held: Array<() => void> = [];
  private count = 0;

  constructor(readonly base = 'http://fake.invalid/connection/') {}

  /** What the fake hub does with a command; by default every command succeeds with an empty result (connect with a client id). */
  onCommand = (session: FakeSession, command: Command): void => {
    session.push({ id: command.id, result: command.method === 'connect' ? { client: session.id } : {} });
  };

  get last(): FakeSession {
    const session = this.opened[this.opened.length - 1];
    if (session === undefined) throw new Error('no session was opened');
    return session;
  }

  releasePosts(): void {
    const held = this.held;
    this.held = [];
    for (const release of held) release();
  }

  readonly fetch = async (url: string, init: RequestInit = {}): Promise<Response> => {
    if (!url.startsWith(this.base)) throw new TypeError(`fetch failed: ${url}`);
    const parsed = new URL(url);
    const path = parsed.pathname.slice(new URL(this.base).pathname.length);
    const id = parsed.searchParams.get('session');
    if (init.method === 'POST') return this.post(id, String(init.body));
    this.gets.push(url);
    const kind = ({ stream: 'stream', sse: 'sse', poll: 'poll' } as const)[path as Kind];
    if (kind === undefined) return json(404, { error: { code: 404, message: 'no such path' } });
    let session: FakeSession | undefined;
    let fromSeq = 0;
    if (id === null) {
      session = new FakeSession(`n1.s${++this.count}`, kind, this);
      this.sessions.set(session.id, session);
      this.opened.push(session);
      if (kind === 'poll') return json(200, { session: session.id, messages: [] });
    } else {
      session = this.sessions.get(id);
      if (session === undefined) return json(404, { error: { code: 119, name: 'unknown_session', message: 'unknown or expired session' } });
      const ack = Number(parsed.searchParams.get('ack') ?? 0);
      session.acks.push(ack);
      fromSeq = Math.max(0, ack - (session.wasDropped ? this.overlap : 0));
      session.wasDropped = false;
    }
    const live = session;
    if (kind === 'poll') {
      return new Promise((resolve, reject) => {
        live.attachPoll(fromSeq, (body) => resolve(json(200, body)), reject);
        init.signal?.addEventListener('abort', () => {
          live.detach();
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    }
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        live.attachStream(controller, fromSeq, id === null);
        init.signal?.addEventListener('abort', () => {
          live.detach();
          try {
            controller.error(new DOMException('aborted', 'AbortError'));
          } catch {
            // already closed
          }
        });
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': kind === 'sse' ? 'text/event-stream' : 'application/x-ndjson' } });
  };

  private async post(id: string | null, body: string): Promise<Response> {
    if (this.holdPosts) await new Promise<void>((resolve) => this.held.push(resolve));
    const failure = this.postFailure;
    if (failure === 'error') throw new TypeError('fetch failed');
    const session = id === null ? undefined : this.sessions.get(id);
    if (session === undefined) return json(404, { error: { code: 119, name: 'unknown_session', message: 'unknown or expired session' } });
    if (failure !== undefined) return json(failure, { error: { code: 111, name: 'too_many_requests', message: `status ${failure}` } });
    // Blank lines are skipped, as the server does: an empty body is a keep-alive.
    const lines = body.split('\n').filter((line) => line.trim() !== '');
    this.posts.push({ session: session.id, lines });
    for (const line of lines) {
      const command = JSON.parse(line) as Command;
      session.commands.push(command);
      this.onCommand(session, command);
    }
    return new Response(null, { status: 204 });
  }
}

function json(status: number, body: object): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
