// Interactive input: a prompt on the terminal, slash commands, and printing that keeps the
// half-typed line intact when a message arrives.

import { clearLine, clearScreenDown, createInterface, cursorTo, moveCursor, type Interface } from 'node:readline';
import type { ReadStream, WriteStream } from 'node:tty';
import { COMMANDS_HELP, parseInputLine, type InputAction } from './connect-input.js';
import type { LineSink } from './connect-output.js';
import type { ConnectSession, InputDriver } from './connect-session.js';

const PROMPT = '> ';

export interface Terminal {
  /** Prints above the prompt. */
  sink: LineSink;
  driver: InputDriver;
}

export function createTerminal(stdin: ReadStream, stdout: WriteStream): Terminal {
  let rl: Interface | null = null;
  let session: ConnectSession | null = null;
  let prompting = false;
  let quitRequests = 0;

  const sink: LineSink = (line) => {
    if (prompting) {
      cursorTo(stdout, 0);
      clearLine(stdout, 0);
    }
    stdout.write(`${line}\n`);
    if (prompting) rl?.prompt(true);
  };

  // Ctrl-C, Ctrl-D and /quit close with 1000; asking again drops the connection.
  const quit = () => {
    if (session === null) return;
    quitRequests++;
    prompting = false;
    if (quitRequests === 1) session.close(1000, '');
    else session.terminate();
  };

  const act = (action: InputAction) => {
    if (session === null) return;
    switch (action.kind) {
      case 'none':
        return;
      case 'text':
        return session.send(action.data, false);
      case 'binary':
        return session.send(action.data, true);
      case 'ping':
        return session.ping(action.data);
      case 'close':
        prompting = false;
        session.output.info(`closing with code ${action.code}${action.reason ? ` and reason "${action.reason}"` : ''}`);
        return session.close(action.code, action.reason);
      case 'quit':
        return quit();
      case 'help':
        for (const line of COMMANDS_HELP.split('\n')) sink(line, 'note');
        return;
      case 'invalid':
        return session.output.problem(action.message);
    }
  };

  // The typed line is shown again with its time and direction: erase what the terminal echoed.
  const eraseTyped = (line: string) => {
    const rows = Math.max(1, Math.ceil((PROMPT.length + line.length) / (stdout.columns || 80)));
    moveCursor(stdout, 0, -rows);
    clearScreenDown(stdout);
  };

  const driver: InputDriver = {
    start(s) {
      session = s;
      rl = createInterface({ input: stdin, output: stdout, prompt: PROMPT, terminal: true, historySize: 200 });
      rl.on('line', (line) => {
        eraseTyped(line);
        act(parseInputLine(line));
        if (prompting) rl?.prompt();
      });
      rl.on('SIGINT', quit);
      rl.on('close', quit);
      prompting = true;
      rl.prompt();
    },
    stop() {
      prompting = false;
      session = null;
      rl?.close();
      stdin.destroy();
    },
  };
  return { sink, driver };
}
