// Non-interactive input: each line of stdin is one text message. When stdin ends, the
// connection stays open until the server has been quiet for `waitMs`, then closes with 1000.

import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ConnectSession, InputDriver } from './connect-session.js';

export function pipeDriver(stdin: Readable, waitMs: number): InputDriver {
  let session: ConnectSession | null = null;
  let lines: Interface | null = null;
  let inputEnded = false;
  let timer: NodeJS.Timeout | undefined;

  const armQuietTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => session?.close(1000, ''), waitMs);
  };

  return {
    start(s) {
      session = s;
      lines = createInterface({ input: stdin, crlfDelay: Infinity });
      lines.on('line', (line) => session?.send(line, false));
      lines.on('close', () => {
        if (session === null) return;
        inputEnded = true;
        armQuietTimer();
      });
    },
    received() {
      if (inputEnded) armQuietTimer();
    },
    stop() {
      session = null;
      clearTimeout(timer);
      lines?.close();
      // The server may end the connection while input is still open: stop reading it.
      stdin.destroy();
    },
  };
}
