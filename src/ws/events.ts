// The browser's event objects, as the seeds use them: onopen(evt), onmessage(evt.data),
// onerror(evt), onclose(evt.code, evt.reason, evt.wasClean).

export class WsEvent {
  readonly type: string;
  target: unknown;
  constructor(type: string, target: unknown) {
    this.type = type;
    this.target = target;
  }
}

export class MessageEvent<T = unknown> extends WsEvent {
  readonly data: T;
  constructor(target: unknown, data: T) {
    super('message', target);
    this.data = data;
  }
}

export class CloseEvent extends WsEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(target: unknown, code: number, reason: string, wasClean: boolean) {
    super('close', target);
    this.code = code;
    this.reason = reason;
    this.wasClean = wasClean;
  }
}

export class ErrorEvent extends WsEvent {
  readonly error: unknown;
  readonly message: string;
  constructor(target: unknown, error: unknown) {
    super('error', target);
    this.error = error;
    this.message = error instanceof Error ? error.message : String(error);
  }
}

export type EventListenerFn<E extends WsEvent = WsEvent> = (event: E) => void;
export interface EventListenerObj<E extends WsEvent = WsEvent> {
  handleEvent(event: E): void;
}
export type WsEventListener<E extends WsEvent = WsEvent> = EventListenerFn<E> | EventListenerObj<E>;
