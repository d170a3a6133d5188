// Hostile peers on raw sockets: a client and a server that speak just enough of the
// handshake to get a connection, then write crafted frames.
import { once } from 'node:events';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { computeAccept } from '../../src/protocol/handshake.js';
import { frame } from '../protocol/receiver-harness.js';
import { upgradeRequest } from './helpers.js';

const ZERO_MASK = Buffer.alloc(4);

/** A frame as a client sends it (masked with a zero key: the payload bytes stay as they are). */
export function clientFrame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  return frame('server', opcode, payload, { fin, maskKey: ZERO_MASK });
}

/** A frame as a server sends it (unmasked). */
export function serverFrame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  return frame('client', opcode, payload, { fin });
}

/** `count` copies of one frame, as one buffer. */
export function repeated(bytes: Buffer, count: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, () => bytes));
}

/** A raw TCP client that completed the opening handshake; `received()` is what came after the 101. */
export async function rawClient(port: number, headers: Record<string, string> = {}) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let buffered = Buffer.alloc(0);
  let afterHandshake: Buffer[] | null = null;
  const upgraded = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      if (afterHandshake !== null) {
        afterHandshake.push(chunk);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      afterHandshake = [buffered.subarray(end + 4)];
      resolve();
    });
  });
  const closedPromise = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  socket.write(upgradeRequest('/', headers));
  await upgraded;
  return {
    socket,
    received: () => Buffer.concat(afterHandshake ?? []),
    closed: closedPromise,
  };
}

/** The frame header at `at` in `bytes`: its opcode, where its payload starts (past a mask, if any) and its length. */
function frameAt(bytes: Buffer, at: number): { opcode: number; start: number; length: number } {
  const opcode = bytes[at]! & 0x0f;
  let length = bytes[at + 1]! & 0x7f;
  const masked = (bytes[at + 1]! & 0x80) !== 0;
  let start = at + 2;
  if (length === 126) {
    length = bytes.readUInt16BE(start);
    start += 2;
  } else if (length === 127) {
    length = Number(bytes.readBigUInt64BE(start));
    start += 8;
  }
  if (masked) start += 4;
  return { opcode, start, length };
}

/** The complete frames in `bytes` as a server sends them (unmasked): [opcode, payload] each. */
export function parseFrames(bytes: Buffer): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  let i = 0;
  while (i + 2 <= bytes.length) {
    const { opcode, start, length } = frameAt(bytes, i);
    if (start + length > bytes.length) break;
    out.push([opcode, bytes.subarray(start, start + length)]);
    i = start + length;
  }
  return out;
}

/** The close code of the first close frame in `bytes` (unmasked, as a server sends it), or null. */
export function firstCloseCode(bytes: Buffer): number | null {
  let i = 0;
  while (i + 2 <= bytes.length) {
    const { opcode, start, length } = frameAt(bytes, i);
    if (opcode === 0x8) return length >= 2 ? bytes.readUInt16BE(start) : 1005;
    i = start + length;
  }
  return null;
}

/**
 * A raw TCP server that answers any upgrade with a 101 and then calls `onUpgraded` with the
 * socket: a hostile server for our client.
 */
export async function rawServer(onUpgraded: (socket: net.Socket) => void) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)![1]!;
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`);
      onUpgraded(socket);
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const MiB = 1024 * 1024;

// A full GC before each reading, so that garbage an earlier test left (or a collection that
// has not run yet) is not counted as growth.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** The RSS to measure growth from, after a full GC. */
export function rssBaseline(): number {
  gc();
  return process.memoryUsage().rss;
}

/** RSS growth since `baseline`, in MiB, after a full GC. */
export function rssGrowthMiB(baseline: number): number {
  gc();
  return (process.memoryUsage().rss - baseline) / MiB;
}
