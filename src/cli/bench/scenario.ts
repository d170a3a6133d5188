// What each load pattern implements inside a worker; the worker drives the phases.
// This file imports no scenario, so that the scenarios can import it (the factory that
// picks one lives in create-scenario.ts).

export interface Scenario {
  /** Opens the long-lived connections; resolves when each one is open or has failed. */
  setup(): Promise<void>;
  /** Starts the load; the recorder is running (warming up, or already counting). */
  run(): void;
  /** Stops sending (the recorder has stopped) and closes every connection cleanly. */
  finish(): Promise<void>;
}
