// Builders for the leaves of the options schemas. Each leaf carries the phrase that
// completes "KEY must be …" as its error, and its description and default as metadata,
// which the JSON Schema for editors and the docs tables are generated from.

import { z } from 'zod';

export interface FieldDoc {
  [key: string]: unknown;
  /** What the option does; one sentence, Markdown allowed. */
  description: string;
  /** The value used when the option is not given (a JSON value), if there is one. */
  default?: unknown;
  /** A secret: error messages never repeat its value (JSON Schema `writeOnly`). */
  writeOnly?: boolean;
}

/** An integer in [min, max] (no upper bound without max). */
export function integer(min: number, max: number | undefined, doc: FieldDoc) {
  const expect = max === undefined ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
  const schema = z.int({ error: expect }).min(min, { error: expect });
  return (max === undefined ? schema : schema.max(max, { error: expect })).meta(doc);
}

/** A finite number greater than 0. */
export function positive(doc: FieldDoc) {
  const expect = 'a number greater than 0';
  return z.number({ error: expect }).positive({ error: expect }).max(Number.MAX_SAFE_INTEGER, { error: expect }).meta(doc);
}

export function boolean(doc: FieldDoc) {
  return z.boolean({ error: 'true or false' }).meta(doc);
}

export function text(doc: FieldDoc, minLength = 1, expect = 'a non-empty string') {
  return z.string({ error: expect }).min(minLength, { error: expect }).meta(doc);
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, doc: FieldDoc) {
  return z.enum(values, { error: `one of ${values.map((v) => `"${v}"`).join(', ')}` }).meta(doc);
}

export function textList(doc: FieldDoc) {
  return z.array(z.string({ error: 'a list of strings' }), { error: 'a list of strings' }).meta(doc);
}

/** An object with exactly these keys (all optional in the shapes built here). */
export function object<S extends z.core.$ZodLooseShape>(shape: S, doc: FieldDoc) {
  return z.strictObject(shape, { error: 'an object' }).meta(doc);
}

/** A value only code can give (a function, an instance): allowed in createServer, absent from JSON. */
export function programmatic<T>(what: string, check: (value: unknown) => boolean, doc: FieldDoc) {
  return z.custom<T>(check, { error: what }).meta(doc);
}
