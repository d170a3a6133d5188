// One `volley connect` connection: shows its events, lets an input driver (terminal, pipe
// or echo) act on it, and turns the way it ended into the exit code.

import { CloseCode, type CloseEvent, type WebSocket } from '../ws/index.js';
import type { ConnectOutput } from './connect-output.js';
import { ExitCode } from './exit-codes.js';

/** Feeds a connection once it is open: from a terminal, from piped lines, or by echoing. */
export interface InputDriver {
  start(session: ConnectSession): void;
  /** Called for every message received, after it was shown. */
  received?(data: Buffer, isBinary: boolean): void;
  /** The connection is gone: release stdin and timers. */
  stop(): void;
}

/** Codes that mean the server ended the connection on purpose and without trouble. */
const GOOD_CLOSE_CODES: readonly number[] = [CloseCode.Normal, CloseCode.GoingAway, CloseCode.NoStatus];

export class ConnectSession {
  private closeRequested = false;
  private failed = false;
  private opened = false;

  constructor(
    private readonly ws: WebSocket,
    readonly output: ConnectOutput,
  ) {}

  /** Resolves with the exit code once the connection has closed (or failed to open). */
  run(driver: InputDriver): Promise<number> {
    const { ws, output } = this;
    const onMessage = (data: Buffer, isBinary: boolean) => {
      output.message('in', data, isBinary);
      driver.received?.(data, isBinary);
    };
    return new Promise((resolve) => {
      // ws/ emits 'open' before any message, even one that came in the packet of the 101.
      ws.on('open', () => {
        this.opened = true;
        output.opened(ws.url, ws.protocol);
        driver.start(this);
      });
      ws.on('message', onMessage);
      ws.on('ping', (data) => output.control('in', 'ping', data));
      ws.on('pong', (data) => output.control('in', 'pong', data));
      ws.on('error', (err) => {
        this.failed = true;
        output.problem(err.message);
      });
      ws.addEventListener('close', (event: CloseEvent) => {
        driver.stop();
        if (this.opened) output.closed(event.code, event.reason, event.wasClean);
        resolve(this.exitCode(event));
      });
    });
  }

  send(data: string | Buffer, isBinary: boolean): void {
    this.ws.send(data, { binary: isBinary });
    this.output.message('out', typeof data === 'string' ? Buffer.from(data) : data, isBinary);
  }

  ping(data: Buffer): void {
    this.ws.ping(data);
    this.output.control('out', 'ping', data);
  }

  /** Starts the closing handshake; a close we asked for counts as a clean end. */
  close(code: number, reason: string): void {
    if (this.closeRequested) return;
    this.closeRequested = true;
    this.ws.close(code, reason);
  }

  /** Drops the connection without a closing handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  private exitCode(event: CloseEvent): number {
    if (this.failed || !event.wasClean) return ExitCode.Failure;
    if (this.closeRequested || GOOD_CLOSE_CODES.includes(event.code)) return ExitCode.Ok;
    return ExitCode.Failure;
  }
}
