// Command-line parsing for every subcommand: node:util parseArgs in its lenient mode, then
// our own checks, so that every mistake becomes a UsageError that names the flag.

import { parseArgs } from 'node:util';

/** A mistake in how the command was invoked: reported with a hint, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The subcommand whose --help the hint points to ('' for the top level). */
    readonly command = '',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** A string flag that may be given several times. */
  multiple?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` against `specs`. Unknown flags, string flags without a value, values given
 * to boolean flags and repeated single-value flags are refused with a UsageError naming them.
 */
export function parseCommandArgs(command: string, argv: string[], specs: FlagSpecs): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs)) options[name] = { ...spec };
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });

  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const spec = specs[token.name];
    if (!spec) throw new UsageError(`unknown option ${token.rawName}`, command);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`option ${token.rawName} takes no value`, command);
      flags[token.name] = true;
      continue;
    }
    // parseArgs would take the next flag as the value ("--port --host"): refuse that too.
    if (token.value === undefined || (!token.inlineValue && /^-[^\d]/.test(token.value))) {
      throw new UsageError(`option ${token.rawName} needs a value`, command);
    }
    if (spec.multiple) {
      const list = (flags[token.name] as string[] | undefined) ?? [];
      list.push(token.value);
      flags[token.name] = list;
    } else {
      if (flags[token.name] !== undefined) throw new UsageError(`option ${token.rawName} given more than once`, command);
      flags[token.name] = token.value;
    }
  }
  return { flags, positionals };
}

/** An integer within [min, max], or a UsageError naming `what`. */
export function parseInteger(value: string, what: string, min: number, max: number, command: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${what} must be an integer from ${min} to ${max}, got "${value}"`, command);
  }
  return n;
}
