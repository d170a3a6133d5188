// The ceiling: plain node:net echo of 4-byte big-endian length-prefixed
// records (the loadgen's -raw mode), no WebSocket at all.
// Usage: node net-echo.mjs [port]  (or PORT=...)
import net from 'node:net';

const port = Number(process.argv[2] ?? process.env.PORT ?? 9001);

const server = net.createServer({ noDelay: true }, (socket) => {
  let pending = null; // bytes of an incomplete record carried over
  socket.on('data', (chunk) => {
    const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    // Walk the record headers; echo every complete record with one write.
    let end = 0;
    while (buf.length - end >= 4) {
      const next = end + 4 + buf.readUInt32BE(end);
      if (next > buf.length) break;
      end = next;
    }
    if (end > 0 && !socket.write(end === buf.length ? buf : buf.subarray(0, end))) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
    pending = end < buf.length ? buf.subarray(end) : null;
  });
  socket.on('error', () => {});
});

server.listen(port, '127.0.0.1', () => console.log(`ready net ${port} pid ${process.pid}`));
