// `volley connect URL`: flags, the choice of input and output, and the exit code.

import type { ReadStream, WriteStream } from 'node:tty';
import { WebSocket, WebSocketError, type ClientOptions } from '../ws/index.js';
import { parseCommandArgs, parseInteger, UsageError } from './args.js';
import { echoDriver } from './connect-echo.js';
import { COMMANDS_HELP } from './connect-input.js';
import { createOutput, type LineSink, type OutputStyle } from './connect-output.js';
import { pipeDriver } from './connect-pipe.js';
import { ConnectSession, type InputDriver } from './connect-session.js';
import { createTerminal } from './connect-terminal.js';
import { ExitCode } from './exit-codes.js';

export const CONNECT_HELP = `Usage: volley connect URL [options]

Opens a WebSocket to URL (ws://, wss://, http:// or https://).

On a terminal, each line you type is sent as a text message, and every message
is shown with the time and its direction: "<" received, ">" sent.
${COMMANDS_HELP.replace(/^/gm, '  ').trimStart()}

When stdin is not a terminal, each input line is sent as one text message
(empty lines too) and each received message is written to stdout on its own
line: text as is, binary as "[binary N bytes] hex...". When input ends, volley
waits until the server has been quiet for --wait ms, then closes with 1000:
  printf 'hi\\n' | volley connect ws://127.0.0.1:8080/echo

Options:
  -s, --protocol P       offer subprotocol P (repeat to offer several)
  -H, --header 'K: V'    add a request header (repeat for several)
  -o, --origin O         send the header Origin: O
      --echo             send every received message back unchanged until the
                         server closes; stdin is not read, nothing is printed
                         but problems (unless --json)
      --json             one JSON object per line for every event, e.g.
                         {"dir":"in","type":"text","data":"hi"}; binary, ping
                         and pong data in base64; also open and close events
      --wait MS          after input ends, close once the server has been quiet
                         for MS milliseconds (default 2000)
      --timeout MS       opening handshake timeout (default 10000)
  -k, --insecure         wss://: do not verify the server's certificate
  -h, --help             show this help

Exit codes:
  0  clean close: the closing handshake completed, and either you closed, or
     the server closed with 1000, 1001 or no code
  1  the connection failed (refused, DNS, TLS, rejected handshake, timeout),
     ended without a closing handshake (1006), hit a protocol error, or the
     server closed with any other code
  2  usage error: unknown flag, bad value, bad URL
`;

const SPECS = {
  protocol: { type: 'string', short: 's', multiple: true },
  header: { type: 'string', short: 'H', multiple: true },
  origin: { type: 'string', short: 'o' },
  echo: { type: 'boolean' },
  json: { type: 'boolean' },
  wait: { type: 'string' },
  timeout: { type: 'string' },
  insecure: { type: 'boolean', short: 'k' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DEFAULT_WAIT_MS = 2000;
/** How long to wait for the server's answer to our close frame before dropping the connection. */
const CLOSE_TIMEOUT_MS = 5000;
const MAX_MS = 24 * 60 * 60 * 1000;

export async function connectCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommandArgs('connect', argv, SPECS);
  if (flags.help) {
    process.stdout.write(CONNECT_HELP);
    return ExitCode.Ok;
  }
  if (positionals.length === 0) throw new UsageError('missing the URL to connect to', 'connect');
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}" (one URL only)`, 'connect');
  const url = positionals[0]!;
  const echo = flags.echo === true;
  const json = flags.json === true;
  const waitMs = flags.wait === undefined ? DEFAULT_WAIT_MS : parseInteger(flags.wait as string, '--wait', 0, MAX_MS, 'connect');
  const options: ClientOptions = {
    headers: parseHeaders((flags.header as string[] | undefined) ?? []),
    closeTimeout: CLOSE_TIMEOUT_MS,
  };
  // Without --timeout, the library's own handshake timeout (10 s) applies.
  if (flags.timeout !== undefined) options.handshakeTimeout = parseInteger(flags.timeout as string, '--timeout', 1, MAX_MS, 'connect');
  if (flags.origin !== undefined) options.origin = flags.origin as string;
  if (flags.insecure) options.rejectUnauthorized = false;

  const interactive = !echo && process.stdin.isTTY === true;
  const style: OutputStyle = json ? 'json' : interactive ? 'interactive' : echo ? 'quiet' : 'plain';
  // A reader that goes away (`volley connect … | head`) is not an error: stop quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(ExitCode.Ok);
  });
  let sink: LineSink = (line, kind) => (kind === 'data' ? process.stdout : process.stderr).write(`${line}\n`);
  let driver: InputDriver;
  if (echo) driver = echoDriver();
  else if (interactive) {
    const terminal = createTerminal(process.stdin as ReadStream, process.stdout as WriteStream);
    sink = terminal.sink;
    driver = terminal.driver;
  } else driver = pipeDriver(process.stdin, waitMs);
  const output = createOutput(style, sink);

  let ws: WebSocket;
  try {
    ws = new WebSocket(url, (flags.protocol as string[] | undefined) ?? [], options);
  } catch (err) {
    // The constructor refuses a bad URL or subprotocol list, as a browser's does.
    if (err instanceof WebSocketError) throw new UsageError(err.message, 'connect');
    throw err;
  }
  output.info(`connecting to ${ws.url}`);
  return new ConnectSession(ws, output).run(driver);
}

/** "Name: value" strings to a header object; anything else is a usage error. */
export function parseHeaders(list: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const item of list) {
    const colon = item.indexOf(':');
    const name = colon > 0 ? item.slice(0, colon).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new UsageError(`--header wants "Name: value", got "${item}"`, 'connect');
    }
    const value = item.slice(colon + 1).trim();
    if (/[\r\n\0]/.test(value)) throw new UsageError(`--header ${name}: the value must not contain line breaks`, 'connect');
    headers[name] = value;
  }
  return headers;
}
