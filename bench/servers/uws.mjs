// Bench server on uWebSockets.js (npm `uwebsockets` 3.0.6 in bench/peers): echo on any
// path; connections on /sub subscribe to one topic, and what /pub sends is published to it
// (uWS's own pub/sub: one framing, written to every subscriber in C++).
// BENCH_TLS=1: SSLApp with the bench's certificate; BENCH_DEFLATE=1: SHARED_COMPRESSOR |
// SHARED_DECOMPRESSOR (no context takeover either way) and every send and publish
// compressed (transport.mjs).
// Usage: node uws.mjs [port]  (0 or none: any free port; the ready line names it)
import './exit-with-parent.mjs';
import { peer } from './peers.mjs';
import { deflate, label, tlsPaths } from './transport.mjs';

const uWS = peer('uwebsockets');
const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const TOPIC = 'b';

const app = (tlsPaths ? uWS.SSLApp({ cert_file_name: tlsPaths.cert, key_file_name: tlsPaths.key }) : uWS.App()).ws('/*', {
  compression: deflate ? uWS.SHARED_COMPRESSOR | uWS.SHARED_DECOMPRESSOR : uWS.DISABLED,
  maxPayloadLength: 16 * 1024 * 1024,
  // No slow-consumer drops or idle closes: every delivery must arrive for the figure to count.
  maxBackpressure: 256 * 1024 * 1024,
  idleTimeout: 0,
  upgrade: (res, req, context) => {
    res.upgrade({ path: req.getUrl() }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'), context);
  },
  open: (ws) => {
    if (ws.getUserData().path === '/sub') ws.subscribe(TOPIC);
  },
  message: (ws, message, isBinary) => {
    if (ws.getUserData().path === '/pub') app.publish(TOPIC, message, isBinary, deflate);
    else ws.send(message, isBinary, deflate);
  },
});

app.listen('127.0.0.1', port, (token) => {
  if (!token) {
    console.error(`uws: cannot listen on ${port}`);
    process.exit(1);
  }
  console.log(`ready ${label('uws')} ${uWS.us_socket_local_port(token)} pid ${process.pid}`);
});
