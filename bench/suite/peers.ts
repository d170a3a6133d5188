// The peers' packages (bench/peers/package.json: ws, bufferutil, uwebsockets, socket.io, the
// Redis adapter) are the bench's own: `npm run bench` installs them on first use with
// `npm install --prefix bench/peers`, so the project's install stays lean.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Installs the peers unless present; false (with the reason printed) when they are not there afterwards. */
export function ensurePeers(benchDir: string, install: boolean): boolean {
  const dir = path.join(benchDir, 'peers');
  const wanted = Object.keys((JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
  const present = () => wanted.every((name) => fs.existsSync(path.join(dir, 'node_modules', name, 'package.json')));
  if (present()) return true;
  if (!install) {
    console.warn('the peers are not installed (npm install --prefix bench/peers) and --no-install was given: skipping the servers that need them');
    return false;
  }
  console.log('npm install --prefix bench/peers (first use: the peers ws, bufferutil, uwebsockets, socket.io)');
  const r = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0 || !present()) {
    console.warn(`npm install --prefix bench/peers failed; skipping the servers that need the peers:\n${`${r.stdout}${r.stderr}`.trim().split('\n').slice(-5).join('\n')}`);
    return false;
  }
  return true;
}

/** The installed version of each peer package (the project's own ws when bench/peers has none). */
export function peerVersions(benchDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['ws', 'bufferutil', 'uwebsockets', 'socket.io', '@socket.io/redis-adapter']) {
    for (const base of [path.join(benchDir, 'peers', 'node_modules'), path.join(benchDir, '..', 'node_modules')]) {
      const file = path.join(base, name, 'package.json');
      if (fs.existsSync(file)) {
        out[name] = (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
        break;
      }
    }
  }
  return out;
}
