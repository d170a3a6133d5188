// Commands on their way: those waiting for a connection (bounded) and those sent and
// waiting for their reply (matched by id). Each has one deadline from the moment the
// app made the call, so a promise always settles within `timeoutMs`.

import type { CommandMap, ErrorReply, Method, Reply } from '../wire/index.js';
import { ClientErrorCode } from './codes.js';
import { VolleyError } from './errors.js';
import { unrefTimer } from './liveness.js';

interface PendingCommand {
  readonly method: Method;
  readonly params: unknown;
  id: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Called with the result as the reply is read, before the promise resolves. */
  onResult: ((result: unknown) => void) | undefined;
  resolve(result: unknown): void;
  reject(error: VolleyError): void;
}

export class Commands {
  private nextId = 1;
  private readonly inFlight = new Map<number, PendingCommand>();
  private waiting: PendingCommand[] = [];

  constructor(private readonly maxWaiting: number) {}

  get waitingCount(): number {
    return this.waiting.length;
  }

  /**
   * Sends a command now through `write` (which may throw: the command then fails), or,
   * with `write` undefined, queues it until `flush`. Rejects at once when the queue is full.
   * `onResult`, when given, sees a successful result synchronously as its reply is read:
   * for state that must be in place before the next message of the stream (a promise
   * settles a microtask later, after the rest of the chunk the reply came in).
   */
  run<M extends Method>(
    method: M,
    params: CommandMap[M]['params'] | undefined,
    timeoutMs: number,
    write: ((text: string) => void) | undefined,
    onResult?: (result: CommandMap[M]['result']) => void,
  ): Promise<CommandMap[M]['result']> {
    return new Promise((resolve, reject) => {
      const command: PendingCommand = {
        method, params, id: 0, timer: undefined, onResult: onResult as PendingCommand['onResult'], resolve: resolve as (r: unknown) => void, reject,
      };
      if (write === undefined && this.waiting.length >= this.maxWaiting) {
        reject(VolleyError.client(ClientErrorCode.queueFull, `${this.maxWaiting} commands already wait for a connection`));
        return;
      }
      command.timer = setTimeout(() => this.expire(command), timeoutMs);
      unrefTimer(command.timer);
      if (write === undefined) this.waiting.push(command);
      else this.send(command, write);
    });
  }

  /** Sends every waiting command, in the order they were made. */
  flush(write: (text: string) => void): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const command of waiting) this.send(command, write);
  }

  /** Settles the command a reply answers; false when no command waits for this id. */
  settle(reply: Reply): boolean {
    const command = this.inFlight.get(reply.id);
    if (command === undefined) return false;
    this.inFlight.delete(reply.id);
    clearTimeout(command.timer);
    if ('error' in reply) {
      command.reject(VolleyError.fromWire((reply as ErrorReply).error));
      return true;
    }
    command.onResult?.(reply.result);
    command.resolve(reply.result);
    return true;
  }

  /** The connection is gone: every command sent on it fails (its effect is unknown). */
  failInFlight(error: () => VolleyError): void {
    if (this.inFlight.size === 0) return;
    const commands = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const command of commands) this.fail(command, error());
  }

  /** The client will not connect again: every waiting command fails. */
  failWaiting(error: () => VolleyError): void {
    if (this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const command of waiting) this.fail(command, error());
  }

  private send(command: PendingCommand, write: (text: string) => void): void {
    command.id = this.nextId++;
    const message = command.params === undefined
      ? { id: command.id, method: command.method }
      : { id: command.id, method: command.method, params: command.params };
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (error) {
      this.fail(command, VolleyError.client(ClientErrorCode.badData, `cannot encode ${command.method}: ${String(error)}`));
      return;
    }
    this.inFlight.set(command.id, command);
    try {
      write(text);
    } catch {
      this.inFlight.delete(command.id);
      this.fail(command, VolleyError.client(ClientErrorCode.connectionClosed, 'the connection closed before the command was sent'));
    }
  }

  private expire(command: PendingCommand): void {
    if (command.id !== 0 && this.inFlight.get(command.id) === command) this.inFlight.delete(command.id);
    else {
      const index = this.waiting.indexOf(command);
      if (index < 0) return;
      this.waiting.splice(index, 1);
    }
    command.reject(VolleyError.client(ClientErrorCode.timeout, `no reply to ${command.method} in time`));
  }

  private fail(command: PendingCommand, error: VolleyError): void {
    clearTimeout(command.timer);
    command.reject(error);
  }
}
