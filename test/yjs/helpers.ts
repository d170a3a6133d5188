// Shared by the yjs tests: a real server with a document namespace and the document
// service, Node clients with providers, tokens, and waiting for a condition.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { createServer, type VolleyServer, type VolleyServerOptions } from '../../src/server/server.js';
import { Client } from '../../src/client/node.js';
import { VolleyProvider, type VolleyProviderOptions } from '../../src/yjs/index.js';
import { DocumentService, MemoryDocumentStore, documentNamespaceOptions, type DocumentServiceOptions } from '../../src/yjs/server/index.js';
import { SECRET, mintToken, until } from '../client/helpers.js';

export { SECRET, mintToken, until };

export interface DocsServer {
  server: VolleyServer;
  service: DocumentService;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A server on 127.0.0.1 with the `docs` namespace (history of `historySize`) and a document service (memory store unless given). */
export async function startDocsServer(
  options: { server?: VolleyServerOptions; service?: DocumentServiceOptions; historySize?: number; port?: number } = {},
): Promise<DocsServer> {
  const server = createServer({
    port: options.port ?? 0,
    host: '127.0.0.1',
    auth: { hmacSecret: SECRET },
    allowAnonymous: true,
    namespaces: { docs: { ...documentNamespaceOptions(), historySize: options.historySize ?? 100 } },
    ...options.server,
  });
  const service = new DocumentService(server.hub, { sweepIntervalMs: 0, saveDelayMs: 50, store: new MemoryDocumentStore(), ...options.service });
  const { port } = await server.listen();
  return {
    server,
    service,
    port,
    url: `ws://127.0.0.1:${port}/connection/websocket`,
    async close() {
      await service.close();
      await server.close();
    },
  };
}

export interface Editor {
  client: Client;
  doc: Y.Doc;
  provider: VolleyProvider;
  text: Y.Text;
  errors: unknown[];
  close(): void;
}

/** A connected Node client editing `channel` through a provider. */
export function openEditor(url: string, channel: string, options: { token?: string; provider?: VolleyProviderOptions } = {}): Editor {
  const client = new Client(url, { ...(options.token === undefined ? {} : { token: options.token }), minReconnectDelayMs: 50, maxReconnectDelayMs: 500 });
  const doc = new Y.Doc();
  const provider = new VolleyProvider(client, channel, doc, { flushIntervalMs: 10, retryDelayMs: 100, ...options.provider });
  const errors: unknown[] = [];
  provider.on('error', ({ error }) => errors.push(error));
  client.connect();
  return {
    client,
    doc,
    provider,
    text: doc.getText('text'),
    errors,
    close() {
      provider.destroy();
      client.disconnect();
      doc.destroy();
    },
  };
}

export function tempDir(name: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `volley-${name}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function textOf(doc: Y.Doc): string {
  return doc.getText('text').toString();
}
