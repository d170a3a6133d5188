// The demo as `volley serve` will run it, on 127.0.0.1 and a free port: the built pages,
// the demo's hub options, the market feed and the status endpoint.

import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildWeb, type BuiltFile } from '../../scripts/build-web.js';
import { demoServerOptions, demoStaticDir, startDemo, type Demo, type DemoOptions } from '../../src/demo/index.js';
import { createServer, type VolleyServer } from '../../src/server/server.js';

export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

export interface DemoServer {
  server: VolleyServer;
  demo: Demo;
  /** http://127.0.0.1:PORT */
  base: string;
  /** ws://127.0.0.1:PORT/connection/websocket */
  url: string;
  /** The built pages; empty when started with `build: false`. */
  files: BuiltFile[];
  stop(): Promise<void>;
}

/**
 * Starts the demo server; with `build` (the default) it builds the pages into dist/web
 * first. Only one test file builds, so that no test serves pages another is rewriting.
 */
export async function startDemoServer(options: DemoOptions = {}, build = true): Promise<DemoServer> {
  const files = build ? await buildWeb() : [];
  await mkdir(ARTIFACTS, { recursive: true });
  const server = createServer({ ...demoServerOptions(), port: 0, host: '127.0.0.1', staticDir: demoStaticDir() });
  const { port } = await server.listen();
  const demo = startDemo(server, options);
  return {
    server,
    demo,
    base: `http://127.0.0.1:${port}`,
    url: `ws://127.0.0.1:${port}/connection/websocket`,
    files,
    async stop() {
      demo.stop();
      await server.close();
    },
  };
}
