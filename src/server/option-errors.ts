// Checks options against a schema and turns the first problem into one sentence that names
// the key: "limits.publishRate must be a number greater than 0, got 0", or
// 'unknown key "hots" in volley.json (did you mean "host"?); allowed: …'. Secrets
// (`writeOnly` in the schema) are never repeated in a message.

import { z } from 'zod';

export type KeyPath = readonly PropertyKey[];

/** An option with a wrong key, type or value; `key` is its dotted path. */
export class OptionError extends TypeError {
  readonly code = 'invalid_option';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

/**
 * Parses `input` with `schema` or throws an OptionError. `name` turns a key path into how the
 * user knows it (`volley.json.limits.publishRate`, `VOLLEY_PORT`, `limits.publishRate`).
 */
export function checkOptions<S extends z.ZodType>(schema: S, input: unknown, name: (path: KeyPath) => string): z.output<S> {
  const reserved = findReservedKey(input, []);
  if (reserved !== undefined) throw new OptionError(dotted(reserved), `unknown key "__proto__" in ${name(reserved.slice(0, -1))}`);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw toOptionError(schema, input, result.error.issues[0]!, name);
}

function toOptionError(schema: z.ZodType, input: unknown, issue: z.core.$ZodIssue, name: (path: KeyPath) => string): OptionError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const allowed = keysOf(schemaAt(schema, issue.path));
    const hint = closest(key, allowed);
    return new OptionError(
      dotted([...issue.path, key]),
      `unknown key "${key}" in ${name(issue.path)}${hint ? ` (did you mean "${hint}"?)` : ''}; allowed: ${allowed.join(', ')}`,
    );
  }
  if (issue.code === 'invalid_key') {
    // A bad name in a record (a namespace name): zod reports it on the record.
    const why = issue.issues[0]?.message ?? 'a valid name';
    const key = String(issue.path.at(-1) ?? issue.input);
    return new OptionError(dotted(issue.path), `key "${key}" in ${name(issue.path.slice(0, -1))} must be ${why}`);
  }
  const value = valueAt(input, issue.path);
  const secret = isWriteOnly(schemaAt(schema, issue.path));
  const got = secret || value === undefined ? '' : `, got ${show(value)}`;
  return new OptionError(dotted(issue.path), `${name(issue.path)} must be ${issue.message}${got}`);
}

function dotted(path: KeyPath): string {
  return path.map(String).join('.');
}

function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function valueAt(input: unknown, path: KeyPath): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The first own `__proto__` key in parsed JSON: zod's records would drop it silently. */
function findReservedKey(value: unknown, path: PropertyKey[]): PropertyKey[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (Object.hasOwn(value, '__proto__')) return [...path, '__proto__'];
  if (Object.getPrototypeOf(value) !== Object.prototype && !Array.isArray(value)) return undefined; // an instance given in code
  for (const [key, child] of Object.entries(value)) {
    const found = findReservedKey(child, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** The schema of the value at `path`, looking through optional wrappers, records, arrays and unions. */
function schemaAt(schema: z.ZodType, path: KeyPath): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (const key of path) {
    current = objectLike(current);
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(key)];
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else return undefined;
  }
  return current;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** The object, record or array inside wrappers and unions (perMessageDeflate: boolean | object). */
function objectLike(schema: z.ZodType | undefined): z.ZodType | undefined {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodUnion) {
    return (inner.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodObject || o instanceof z.ZodRecord || o instanceof z.ZodArray);
  }
  return inner;
}

function keysOf(schema: z.ZodType | undefined): string[] {
  const inner = objectLike(schema);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}

function isWriteOnly(schema: z.ZodType | undefined): boolean {
  for (let s = schema; s !== undefined; s = s instanceof z.ZodOptional ? (s.unwrap() as z.ZodType) : undefined) {
    if (z.globalRegistry.get(s)?.writeOnly === true) return true;
  }
  return false;
}

/** The known key nearest to a typo, by edit distance, if it is close enough. */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
