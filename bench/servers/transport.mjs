// What the wss:// and permessage-deflate scenarios ask of a socket server (volley.mjs,
// ws.mjs, uws.mjs), from the environment npm run bench starts it with:
//   BENCH_TLS=1       serve wss:// with the certificate BENCH_TLS_CERT and key BENCH_TLS_KEY
//                     (PEM files; npm run bench writes a self-signed pair once per run)
//   BENCH_DEFLATE=1   permessage-deflate on, every message compressed (no size threshold),
//                     no context takeover kept in either direction (what the load offers)
import { readFileSync } from 'node:fs';

export const deflate = process.env.BENCH_DEFLATE === '1';

function tlsFiles() {
  if (process.env.BENCH_TLS !== '1') return null;
  const cert = process.env.BENCH_TLS_CERT;
  const key = process.env.BENCH_TLS_KEY;
  if (!cert || !key) {
    console.error('BENCH_TLS=1 needs BENCH_TLS_CERT and BENCH_TLS_KEY (PEM files)');
    process.exit(2);
  }
  return { cert, key };
}

/** The certificate and key file paths, or null for ws://. */
export const tlsPaths = tlsFiles();

/** The `cert` and `key` options of https.createServer, or null for ws://. */
export const tls = tlsPaths && { cert: readFileSync(tlsPaths.cert), key: readFileSync(tlsPaths.key) };

/** The ready line's name: `volley`, `volley+tls`, `volley+deflate`, ... */
export function label(name) {
  return `${name}${tls ? '+tls' : ''}${deflate ? '+deflate' : ''}`;
}
