// The floor: plain node:net doing the least a WebSocket echo or broadcast needs, so that the
// bench's WebSocket clients can load it like the other servers. It answers the upgrade, then
// writes every client frame back unmasked, as it came: no validation, no reassembly of
// fragments, no UTF-8 check, no ping handling (a close frame comes back too, and ends the
// connection). Broadcast as the other servers address it: what a connection on /pub sends is
// unmasked once and written, as the same bytes, to every connection on /sub (the frames of one
// read joined into one buffer, so one write per subscriber per read); /sub connections are
// never read from beyond the upgrade. No real server can do less per message in Node; it is
// the ceiling the others are read against, not a WebSocket server to use.
// Usage: node net-echo.mjs [port]  (0 or none: any free port; the ready line names it)
import './exit-with-parent.mjs';
import { createHash } from 'node:crypto';
import net from 'node:net';

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const subscribers = new Set();

/** The request path of an upgrade request's head (its first line), without the query. */
function requestPath(head) {
  return /^\S+ ([^ ?]*)/.exec(head)?.[1] ?? '/';
}

function upgradeAnswer(head) {
  const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1];
  if (!key) return null;
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
}

/**
 * The complete frames in `buf` from `at`, unmasked in place, pushed to `out` as views of `buf`.
 * Returns where the first incomplete frame starts, and whether a close came.
 */
function echoFrames(buf, at, out) {
  while (buf.length - at >= 2) {
    const lengthByte = buf[at + 1] & 0x7f;
    let header = 2;
    let length = lengthByte;
    if (lengthByte === 126) {
      if (buf.length - at < 4) break;
      length = buf.readUInt16BE(at + 2);
      header = 4;
    } else if (lengthByte === 127) {
      if (buf.length - at < 10) break;
      length = Number(buf.readBigUInt64BE(at + 2));
      header = 10;
    }
    const masked = (buf[at + 1] & 0x80) !== 0;
    const start = at + header + (masked ? 4 : 0);
    if (buf.length < start + length) break;
    // In place: unmask the payload, then move the header (mask bit cleared) up against it.
    const opcode = buf[at] & 0x0f;
    if (masked) {
      unmask(buf, start, start + length, buf.readInt32LE(start - 4));
      buf.copyWithin(start - header, at, at + header);
      buf[start - header + 1] &= 0x7f;
    }
    out.push(buf.subarray(start - header, start + length));
    at = start + length;
    if (opcode === 0x8) return { at, closed: true };
  }
  return { at, closed: false };
}

/** XORs buf[from, to) with the 4-byte mask (read as a little-endian int32) in place, a word at a time. */
function unmask(buf, from, to, mask) {
  let i = from;
  for (; i + 4 <= to; i += 4) buf.writeInt32LE(buf.readInt32LE(i) ^ mask, i);
  for (let k = 0; i < to; i++, k++) buf[i] ^= (mask >>> (8 * k)) & 0xff;
}

const server = net.createServer({ noDelay: true }, (socket) => {
  let chunks = [];
  let buffered = 0;
  let need = 1;
  let open = false;
  let path = '';
  socket.on('data', (chunk) => {
    chunks.push(chunk);
    buffered += chunk.length;
    if (buffered < need) return; // a large frame still arriving: join the pieces once, not per chunk
    let buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered);
    let at = 0;
    if (!open) {
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return void (chunks = [buf]);
      const head = buf.toString('latin1', 0, end);
      const answer = upgradeAnswer(head);
      if (answer === null) return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      socket.write(answer);
      open = true;
      at = end + 4;
      path = requestPath(head);
      if (path === '/sub') {
        subscribers.add(socket);
        socket.on('close', () => subscribers.delete(socket));
      }
    }
    const out = [];
    const result = echoFrames(buf, at, out);
    if (path === '/pub') {
      // The publisher's frames, unmasked once, go to every subscriber as one buffer (not back to it).
      const frames = out.filter((frame) => (frame[0] & 0x0f) !== 0x8);
      if (frames.length > 0) {
        const bytes = frames.length === 1 ? frames[0] : Buffer.concat(frames);
        for (const subscriber of subscribers) subscriber.write(bytes);
      }
    } else if (out.length > 0) {
      // One writev for the whole batch.
      socket.cork();
      let flowing = true;
      for (const frame of out) flowing = socket.write(frame);
      socket.uncork();
      if (!flowing) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    }
    if (result.closed) return void socket.end();
    buf = buf.subarray(result.at);
    chunks = buf.length > 0 ? [buf] : [];
    buffered = buf.length;
    need = buf.length >= 10 ? frameSize(buf) : buf.length + 1;
  });
  socket.on('error', () => {});
});

/** Bytes the frame at the start of `buf` takes in all (its header has arrived). */
function frameSize(buf) {
  const lengthByte = buf[1] & 0x7f;
  const masked = (buf[1] & 0x80) !== 0 ? 4 : 0;
  if (lengthByte === 126) return 4 + masked + buf.readUInt16BE(2);
  if (lengthByte === 127) return 10 + masked + Number(buf.readBigUInt64BE(2));
  return 2 + masked + lengthByte;
}

server.listen(port, '127.0.0.1', () => console.log(`ready net ${server.address().port} pid ${process.pid}`));
