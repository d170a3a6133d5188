// Reading and checking POST bodies: the size limit (declared or received), UTF-8, one JSON
// object per line, a client that goes away mid-body.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { TransportError } from '../../src/transports/http-answers.js';
import { readBody, splitCommands } from '../../src/transports/post-body.js';

describe('splitCommands', () => {
  it('one JSON object per line; blank lines and CRLF are fine', () => {
    assert.deepEqual(splitCommands(Buffer.from('{"id":1}\r\n\n  \n{"id":2}\n')), ['{"id":1}', '{"id":2}']);
  });
  it('refuses the whole body for a line that is not a JSON object, or bytes that are not UTF-8', () => {
    for (const body of ['{"id":1}\nnope', '[1,2]', '"text"', 'null', '{"id":1']) {
      const result = splitCommands(Buffer.from(body));
      assert.ok(result instanceof TransportError, body);
      assert.equal(result.status, 400);
    }
    const bad = splitCommands(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]));
    assert.ok(bad instanceof TransportError);
  });
});

describe('readBody', () => {
  async function withServer(handler: (req: http.IncomingMessage) => Promise<unknown>, run: (port: number, called: () => Promise<void>) => Promise<void>): Promise<unknown[]> {
    const outcomes: unknown[] = [];
    let calls = 0;
    const called = async () => {
      while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    const server = http.createServer((req, res) => {
      calls += 1;
      handler(req).then(
        (value) => outcomes.push(value),
        (error: unknown) => outcomes.push(error),
      ).finally(() => res.end());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      await run((server.address() as AddressInfo).port, called);
      while (outcomes.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      server.closeAllConnections();
      server.close();
    }
    return outcomes;
  }

  it('413 for a declared length over the limit, and for a chunked body that grows over it', async () => {
    const declared = await withServer((req) => readBody(req, 10), async (port) => {
      await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x'.repeat(11) }).catch(() => {});
    });
    assert.ok(declared[0] instanceof TransportError && declared[0].status === 413);
    let socket: net.Socket | undefined;
    const streamed = await withServer((req) => readBody(req, 10), async (port) => {
      socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n5\r\nxxxxx\r\n');
    });
    socket?.destroy();
    assert.ok(streamed[0] instanceof TransportError && streamed[0].status === 413);
  });

  it('a client that goes away mid-body settles the read (nothing left waiting)', async () => {
    const outcomes = await withServer((req) => readBody(req, 1_000), async (port, called) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a part');
      await called();
      socket.destroy();
    });
    assert.equal(outcomes.length, 1);
    assert.ok(outcomes[0] instanceof Error && /aborted/.test((outcomes[0] as Error).message));
  });
});
