// The true floor: plain node:net that answers the upgrade by hand and then writes every
// chunk it receives back as it is. No parsing at all: not even frame boundaries, so what
// comes back are the client's own frames, still masked (the load generator accepts them
// with -masked and unmasks them). No WebSocket server can do less per message in Node: an
// echo against it measures the most the load generator can drive through Node (the
// report's headroom line). `net-echo.mjs` is the frame-aware floor beside it.
// Usage: node net-raw.mjs [port]  (0 or none: any free port; the ready line names it)
import './exit-with-parent.mjs';
import { createHash } from 'node:crypto';
import net from 'node:net';

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function echo(socket, chunk) {
  if (!socket.write(chunk)) {
    socket.pause();
    socket.once('drain', () => socket.resume());
  }
}

const server = net.createServer({ noDelay: true }, (socket) => {
  let head = '';
  const onHead = (chunk) => {
    head += chunk.toString('latin1');
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    const key = /^sec-websocket-key:\s*(\S+)/im.exec(head.slice(0, end))?.[1];
    if (!key) return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.off('data', onHead);
    socket.on('data', (c) => echo(socket, c));
    const rest = Buffer.from(head.slice(end + 4), 'latin1');
    if (rest.length > 0) echo(socket, rest);
  };
  socket.on('data', onHead);
  socket.on('error', () => {});
});

server.listen(port, '127.0.0.1', () => console.log(`ready net-raw ${server.address().port} pid ${process.pid}`));
