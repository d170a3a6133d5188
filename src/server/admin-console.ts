// The admin console at /admin (docs/admin.md): its built page (dist/admin, made by
// scripts/build-web.ts), the login that exchanges the configured password or token for an
// HTTP-only session cookie, and the check the HTTP API asks of a request that carries no
// API key. The console itself only calls the HTTP API. A server without `admin` options
// mounts none of this: /admin is then a plain 404. Logging out revokes the session on this
// node at once and, through `tellNodes`, on every node of the cluster.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ErrorName, WireErrorCode, type WireErrorCodeKey } from '../wire/index.js';
import { AdminSessions, type AdminCredentials, type SessionId } from './admin-sessions.js';
import { ADMIN_DEFAULTS } from './defaults.js';
import { pathOf, sendJson, sendText } from './http-util.js';
import { LoginLimiter } from './login-limiter.js';
import { createStaticHandler, type StaticHandler } from './static-files.js';

export interface AdminOptions extends AdminCredentials {
  sessionTtlMs?: number | undefined;
  maxLoginFailures?: number | undefined;
  loginWindowMs?: number | undefined;
}

export const ADMIN_PATH = '/admin';
export const ADMIN_COOKIE = 'volley_admin';
/**
 * Requests the cookie authorizes must carry this header. A cross-site form cannot set it,
 * and a cross-origin fetch that sets it needs a preflight the server never grants.
 */
export const ADMIN_HEADER = 'x-volley-admin';
/** Largest login body, bytes. */
const MAX_LOGIN_BODY = 4_096;
const TOO_LARGE = Symbol('too large');

/** dist/admin of the package, from src/server (tsx) and dist/server alike. */
export function adminStaticDir(): string {
  return fileURLToPath(new URL('../../dist/admin/', import.meta.url));
}

const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export class AdminConsole {
  private readonly sessions: AdminSessions;
  private readonly limiter: LoginLimiter;
  private readonly files: StaticHandler;

  /**
   * `apiPrefix`: where the HTTP API is mounted, told to the page with the session.
   * `tellNodes`: tells every node (this one included) that a session was revoked; they call `revoke`.
   */
  constructor(
    options: AdminOptions,
    now: () => number = Date.now,
    staticDir = adminStaticDir(),
    private readonly apiPrefix = '/api',
    private readonly tellNodes: (session: SessionId) => Promise<void> = async () => {},
  ) {
    this.sessions = new AdminSessions(options, options.sessionTtlMs ?? ADMIN_DEFAULTS.sessionTtlMs, now);
    this.limiter = new LoginLimiter(options.maxLoginFailures ?? ADMIN_DEFAULTS.maxLoginFailures, options.loginWindowMs ?? ADMIN_DEFAULTS.loginWindowMs, now);
    this.files = createStaticHandler(staticDir);
  }

  /** For the HTTP API: a valid session cookie and the console's header. */
  readonly authorize = (req: IncomingMessage): boolean =>
    req.headers[ADMIN_HEADER] === '1' && this.sessions.verify(readCookie(req.headers.cookie, ADMIN_COOKIE)) !== undefined;

  /** Refuses a session from now until it expires (a logout here or on another node). */
  revoke(session: SessionId): void {
    this.sessions.revoke(session);
  }

  /** Answers /admin and everything under it; false for other paths. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const path = pathOf(req);
    if (path !== ADMIN_PATH && !path.startsWith(`${ADMIN_PATH}/`)) return false;
    const rest = path.slice(ADMIN_PATH.length);
    if (rest === '/login') return this.post(req, res, () => this.login(req, res));
    if (rest === '/logout') return this.post(req, res, () => this.logout(req, res));
    if (rest === '/session') return this.session(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
      return true;
    }
    if (rest === '') {
      sendText(res, 302, 'Found\n', { location: `${ADMIN_PATH}/` });
      return true;
    }
    for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
    const file = rest === '/' ? '/admin.html' : rest;
    const query = (req.url ?? '').slice(path.length);
    const inner = Object.create(req, { url: { value: file + query } }) as IncomingMessage;
    this.files(inner, res).then(
      (served) => {
        if (!served) sendText(res, 404, rest === '/' ? 'The admin console is not built: run npm run build\n' : 'Not Found\n');
      },
      () => sendText(res, 500, 'Internal Server Error\n'),
    );
    return true;
  }

  private post(req: IncomingMessage, res: ServerResponse, then: () => void): boolean {
    if (req.method !== 'POST') {
      sendText(res, 405, 'Method Not Allowed\n', { allow: 'POST' });
      return true;
    }
    then();
    return true;
  }

  private login(req: IncomingMessage, res: ServerResponse): void {
    const address = req.socket.remoteAddress ?? '';
    const wait = this.limiter.retryAfter(address);
    if (wait > 0) {
      req.resume();
      return sendError(res, 429, 'tooManyRequests', 'too many wrong passwords: try again later', { 'retry-after': String(wait), connection: 'close' });
    }
    readSmallJson(req, MAX_LOGIN_BODY, (body) => {
      if (body === TOO_LARGE) return sendError(res, 413, 'messageTooLarge', `body over ${MAX_LOGIN_BODY} bytes`, { connection: 'close' });
      const password = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).password : undefined;
      if (typeof password !== 'string' || password === '') return sendError(res, 400, 'badRequest', 'send {"password": "..."}');
      if (!this.sessions.matches(password)) {
        this.limiter.fail(address);
        return sendError(res, 401, 'unauthorized', 'wrong password');
      }
      this.limiter.succeed(address);
      const session = this.sessions.issue();
      sendJson(res, 200, { result: { expiresAt: session.expiresAt, apiPrefix: this.apiPrefix } }, {
        'set-cookie': cookie(req, session.value, session.maxAgeSeconds),
        'cache-control': 'no-store',
      });
    });
  }

  /**
   * Clears the cookie and revokes the session it held. `everywhere` is false when the other
   * nodes could not be told (the broker is down): there the session lasts until it expires.
   */
  private logout(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const session = this.sessions.identify(readCookie(req.headers.cookie, ADMIN_COOKIE));
    const answer = (everywhere: boolean) =>
      sendJson(res, 200, { result: { revoked: session !== undefined, everywhere } }, { 'set-cookie': cookie(req, '', 0), 'cache-control': 'no-store' });
    if (session === undefined) return answer(true);
    this.sessions.revoke(session);
    this.tellNodes(session).then(() => answer(true), () => answer(false));
  }

  private session(req: IncomingMessage, res: ServerResponse): boolean {
    const expiresAt = this.sessions.verify(readCookie(req.headers.cookie, ADMIN_COOKIE));
    if (expiresAt === undefined) sendError(res, 401, 'unauthorized', 'not logged in');
    else sendJson(res, 200, { result: { expiresAt, apiPrefix: this.apiPrefix } }, { 'cache-control': 'no-store' });
    return true;
  }
}

function cookie(req: IncomingMessage, value: string, maxAgeSeconds: number): string {
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true ? '; Secure' : '';
  return `${ADMIN_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, maxAgeSeconds)}${secure}`;
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sendError(res: ServerResponse, status: number, key: WireErrorCodeKey, message: string, headers: Record<string, string> = {}): void {
  const code = WireErrorCode[key];
  sendJson(res, status, { error: { code, name: ErrorName[code], message } }, headers);
}

/** Reads a JSON body of at most `limit` bytes: the value, undefined when it is not JSON, or TOO_LARGE. */
function readSmallJson(req: IncomingMessage, limit: number, done: (body: unknown) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  req.on('data', (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > limit) {
      finished = true;
      done(TOO_LARGE);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (finished) return;
    finished = true;
    try {
      done(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      done(undefined);
    }
  });
  req.on('error', () => {
    if (!finished) {
      finished = true;
      done(undefined);
    }
  });
}
