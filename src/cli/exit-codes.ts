/** Process exit codes of every volley command (documented in docs/cli.md). */
export const ExitCode = {
  /** Done: a clean close, or a server that shut down gracefully. */
  Ok: 0,
  /** The connection failed, or it ended abnormally or with an error code. */
  Failure: 1,
  /** The command line was wrong: unknown command or flag, bad value, bad URL. */
  Usage: 2,
} as const;
