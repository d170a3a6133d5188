// A small typed event emitter that works the same in browsers and Node.

type Listener<A> = (arg: A) => void;

export class Emitter<Events extends object> {
  private listeners: { [K in keyof Events]?: Array<Listener<Events[K]>> } = {};

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    (this.listeners[event] ??= []).push(listener);
    return () => this.off(event, listener);
  }

  /** Adds a listener that runs once. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(event, (arg) => {
      off();
      listener(arg);
    });
    return off;
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    const list = this.listeners[event];
    if (list === undefined) return;
    const index = list.indexOf(listener);
    if (index >= 0) list.splice(index, 1);
  }

  removeAllListeners(): void {
    this.listeners = {};
  }

  /**
   * Calls every listener. A listener that throws does not stop the others nor the
   * client's own bookkeeping: its error is reported as an uncaught error, as browsers
   * report errors thrown by event handlers.
   */
  protected emit<K extends keyof Events>(event: K, arg: Events[K]): void {
    const list = this.listeners[event];
    if (list === undefined || list.length === 0) return;
    for (const listener of [...list]) {
      try {
        listener(arg);
      } catch (error) {
        reportListenerError(error);
      }
    }
  }
}

function reportListenerError(error: unknown): void {
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (typeof report === 'function') report(error);
  else setTimeout(() => {
    throw error;
  }, 0);
}
