// The certificate of the wss:// scenarios: a self-signed pair for localhost/127.0.0.1 that
// the Go load generator writes (`loadgen -mode cert`, crypto/x509: no openssl needed), once
// per run, into a temporary directory removed when the run ends. The servers find it through
// BENCH_TLS_CERT and BENCH_TLS_KEY (bench/servers/transport.mjs); the load does not verify it.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GoLoadgen } from './loadgen.js';

/** Writes the pair and points BENCH_TLS_CERT / BENCH_TLS_KEY at it; false (with the reason printed) when it could not. */
export function benchCertificate(go: GoLoadgen): boolean {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'volley-bench-tls-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const r = spawnSync(go.binary, ['-mode', 'cert', '-cert', cert, '-key', key], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.warn(`no certificate for the wss:// scenarios (${(r.stderr || r.stdout).trim()}): they are skipped`);
    return false;
  }
  process.env.BENCH_TLS_CERT = cert;
  process.env.BENCH_TLS_KEY = key;
  return true;
}
