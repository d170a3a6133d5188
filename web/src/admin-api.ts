// The admin console's only way to the server: the HTTP API (POST /api/<method>), authorized
// by the HTTP-only session cookie of the login plus the console's header, and the login itself.

/** The header the server requires next to the session cookie (a cross-site form cannot set it). */
const ADMIN_HEADER = { 'x-volley-admin': '1' };

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: number | undefined, message: string) {
    super(message);
  }
}

async function postJson(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...ADMIN_HEADER },
    body: JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  let answer: { result?: unknown; error?: { code?: number; message?: string } } = {};
  try {
    answer = (await response.json()) as typeof answer;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  if (!response.ok || answer.error !== undefined) {
    throw new ApiError(response.status, answer.error?.code, answer.error?.message ?? `HTTP ${response.status}`);
  }
  return answer.result;
}

/** Where the server mounts the API; the session answers say (the `api.prefix` option). */
let apiPrefix = '/api';

interface SessionAnswer {
  expiresAt: number;
  apiPrefix: string;
}

/** Calls an API method; throws ApiError (status 401: the session has ended). */
export function api<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  return postJson(`${apiPrefix}/${method}`, params) as Promise<T>;
}

export async function login(password: string): Promise<void> {
  const session = (await postJson('/admin/login', { password })) as SessionAnswer;
  apiPrefix = session.apiPrefix;
}

export function logout(): Promise<unknown> {
  return postJson('/admin/logout', {});
}

/** Whether the browser holds a live session (the cookie is HTTP-only: only the server can tell). */
export async function hasSession(): Promise<boolean> {
  const response = await fetch('/admin/session', { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) return false;
  apiPrefix = ((await response.json()) as { result: SessionAnswer }).result.apiPrefix;
  return true;
}

// ---- what the API answers (docs/server.md) ----

export interface ConnectionRow {
  client: string;
  user: string;
  transport: string;
  remoteAddress?: string;
  state: string;
  name: string;
  version: string;
  channels: string[];
  connectedAt: number;
  messagesIn: number;
  bytesIn: number;
  messagesOut: number;
  bytesOut: number;
  errors: number;
}

export interface ConnectionsAnswer {
  node: string;
  total: number;
  offset: number;
  connections: ConnectionRow[];
}

export interface ChannelsAnswer {
  node: string;
  total: number;
  channels: Array<{ channel: string; subscribers: number; presence?: { numClients: number; numUsers: number } }>;
}

export interface NodeSnapshot {
  node: string;
  version: string;
  broker: string;
  uptimeSeconds: number;
  connections: number;
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
  errorsPerSecond: number;
}

export interface ClusterSample {
  at: number;
  nodes: number;
  connections: number;
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
  errorsPerSecond: number;
}

export interface InfoAnswer {
  node: { id: string; version: string; broker: string; uptimeSeconds: number; limits: Record<string, unknown> };
  nodes: NodeSnapshot[];
  totals: Omit<ClusterSample, 'at'>;
  recent: ClusterSample[];
}
