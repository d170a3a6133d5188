// The logger of `volley serve`: pino, JSON lines on stdout (one object per event, with
// `level`, `time`, `event` and a connection id `conn` where there is one), or short
// readable lines when stdout is a terminal. Secrets that could reach a log line are
// redacted by pino whatever the level; the server never logs a token or a message body.

import { destination, pino, stdTimeFunctions, type Logger } from 'pino';

/** Paths pino censors in every line (a config, a request's headers, an error's options). */
export const REDACTED_PATHS = [
  'secret', 'apiKey', 'token', 'password', 'authorization',
  '*.secret', '*.apiKey', '*.token', '*.password', '*.hmacSecret', '*.authorization',
  'config.metrics.token', 'config.mqtt.password', 'config.auth.hmacSecret', 'headers.authorization', 'req.headers.authorization',
];

interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export function createServeLogger(level: string, output: Output = process.stdout): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (output.isTTY === true) return pino(options, { write: (line: string) => void output.write(readableLine(line)) });
  // Written synchronously, so that lines keep their order with the start-up text and none is lost at exit.
  return output === process.stdout ? pino(options, destination({ dest: 1, sync: true })) : pino(options, { write: (line: string) => void output.write(line) });
}

const LEVEL_MARK: Record<string, string> = { fatal: 'FATAL', error: 'ERROR', warn: 'WARN ', info: 'INFO ', debug: 'DEBUG', trace: 'TRACE' };
const HIDDEN = new Set(['level', 'time', 'pid', 'msg', 'event']);

/** One JSON log line as `12:00:01 INFO  connect: client connected conn=… user=alice`. */
export function readableLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
  const level = LEVEL_MARK[String(entry.level)] ?? String(entry.level);
  const event = entry.event === undefined ? '' : `${String(entry.event)}: `;
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${[time, level, `${event}${String(entry.msg ?? '')}`, ...fields].join(' ')}\n`;
}
