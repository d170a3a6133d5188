import type { ConnectSession, InputDriver } from './connect-session.js';

/** --echo: every message received goes back unchanged (text as text, binary as binary). */
export function echoDriver(): InputDriver {
  let session: ConnectSession | null = null;
  return {
    start: (s) => (session = s),
    received: (data, isBinary) => session?.send(data, isBinary),
    stop: () => (session = null),
  };
}
