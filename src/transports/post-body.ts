// Reading and checking the body of POST /connection/send: at most maxPostSize bytes, UTF-8,
// one volley.v1 command (a JSON object) per line. A bad body is refused as a whole, so a
// POST is applied entirely or not at all.

import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { refusals, type TransportError } from './http-answers.js';

/** Reads the body, or fails with 413 as soon as it passes `max` bytes (declared or received). */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > max) {
      req.resume();
      reject(refusals.tooLarge(max));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > max) {
        failed = true;
        chunks.length = 0;
        reject(refusals.tooLarge(max));
        return;
      }
      chunks.push(chunk);
    });
    let ended = false;
    req.on('end', () => {
      ended = true;
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (error) => {
      if (!failed) reject(error);
      failed = true;
    });
    // A client that goes away mid-body: nothing waits for it any longer.
    req.on('close', () => {
      if (ended || failed) return;
      failed = true;
      chunks.length = 0;
      reject(new Error('the request was aborted'));
    });
  });
}

/** The command texts of a body, or the 400 that refuses it. Blank lines are skipped. */
export function splitCommands(body: Buffer): string[] | TransportError {
  if (!isUtf8(body)) return refusals.badRequest('the body is not UTF-8');
  const commands: string[] = [];
  for (const raw of body.toString('utf8').split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return refusals.badRequest(`line ${commands.length + 1} is not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return refusals.badRequest(`line ${commands.length + 1} is not a JSON object`);
    }
    commands.push(line);
  }
  return commands;
}
