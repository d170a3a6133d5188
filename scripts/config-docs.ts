// Generates what is derived from the options schema: schema/volley.config.schema.json (for
// editors: "$schema" in a config file) and the option tables in docs/server.md and
// docs/cli.md (between <!-- options:NAME --> and <!-- /options:NAME --> markers).
//   npx tsx scripts/config-docs.ts          rewrite them
//   npx tsx scripts/config-docs.ts --check  exit 1 if any differs (test/server/config-docs.test.ts does this too)

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ENV_KEYS, FLAG_KEYS, SERVE_DEFAULTS, serveConfigSchema } from '../src/cli/serve-config.js';
import {
  adminSchema, apiSchema, authSchema, connectionLimitFields, hubFields, limitsSchema, metricsSchema, namespaceSchema, operationsFields,
  serverFields, transportsSchema,
} from '../src/server/options-schema.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SCHEMA_FILE = 'schema/volley.config.schema.json';

type Shape = Record<string, z.ZodType>;

function metaOf(schema: z.ZodType): Record<string, unknown> {
  let s: z.ZodType | undefined = schema;
  let meta: Record<string, unknown> = {};
  while (s !== undefined) {
    meta = { ...(z.globalRegistry.get(s) ?? {}), ...meta };
    s = s instanceof z.ZodOptional ? (s.unwrap() as z.ZodType) : undefined;
  }
  return meta;
}

const code = (value: unknown) => `\`${typeof value === 'string' ? `'${value}'` : JSON.stringify(value)}\``;
const cell = (text: string) => text.replace(/\|/g, '\\|');

function defaultOf(schema: z.ZodType): string {
  const value = metaOf(schema).default;
  return value === undefined ? 'none' : code(value);
}

/** | option | default | meaning | for the keys of a shape. */
function optionTable(shape: Shape, only?: readonly string[]): string {
  const rows = Object.entries(shape)
    .filter(([key]) => only === undefined || only.includes(key))
    .map(([key, schema]) => `| \`${key}\` | ${cell(defaultOf(schema))} | ${cell(String(metaOf(schema).description ?? ''))} |`);
  return ['| option | default | meaning |', '|--------|---------|---------|', ...rows].join('\n');
}

/** The `volley serve` table: flag, environment variable, config key, default, meaning. */
function serveTable(): string {
  const shape = serveConfigSchema.shape as Shape;
  const flagOf = (key: string) => Object.entries(FLAG_KEYS).find(([, k]) => k === key)?.[0] ?? '';
  const envOf = (key: string) => Object.entries(ENV_KEYS).find(([, k]) => k === key)?.[0] ?? '';
  const rows = Object.entries(shape)
    .filter(([key]) => key !== '$schema')
    .map(([key, schema]) => {
      const flag = flagOf(key);
      const env = envOf(key);
      const fallback = (SERVE_DEFAULTS as Record<string, unknown>)[key];
      const shown = fallback !== undefined && metaOf(schema).default === undefined ? code(fallback) : defaultOf(schema);
      return `| ${flag ? `\`${flag}\`` : ''} | ${env ? `\`${env}\`` : ''} | \`${key}\` | ${cell(shown)} | ${cell(String(metaOf(schema).description ?? ''))} |`;
    });
  return ['| flag | environment | config key | default | meaning |', '|------|-------------|------------|---------|---------|', ...rows].join('\n');
}

const serverOnly = Object.keys(serverFields).filter((k) => !(k in connectionLimitFields) && !(k in operationsFields));

/** Every generated block by its marker name, and the file it lives in. */
export function generatedBlocks(): Record<string, { file: string; text: string }> {
  return {
    server: { file: 'docs/server.md', text: optionTable(serverFields, serverOnly) },
    'connection-limits': { file: 'docs/server.md', text: optionTable(connectionLimitFields) },
    hub: { file: 'docs/server.md', text: optionTable(hubFields, Object.keys(hubFields).filter((k) => k !== 'limits' && k !== 'auth')) },
    limits: { file: 'docs/server.md', text: optionTable(limitsSchema.shape) },
    namespace: { file: 'docs/server.md', text: optionTable(namespaceSchema.shape) },
    auth: { file: 'docs/server.md', text: optionTable(authSchema.shape) },
    api: { file: 'docs/server.md', text: optionTable(apiSchema.shape) },
    transports: { file: 'docs/transports.md', text: optionTable(transportsSchema.shape) },
    admin: { file: 'docs/admin.md', text: optionTable(adminSchema.shape) },
    serve: { file: 'docs/cli.md', text: serveTable() },
    operations: { file: 'docs/operations.md', text: optionTable(operationsFields) },
    metrics: { file: 'docs/operations.md', text: optionTable(metricsSchema.shape) },
  };
}

/** The JSON Schema of a `volley serve` config file. */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(serveConfigSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, title: 'volley serve configuration (docs/cli.md)' }, null, 2)}\n`;
}

/** Every derived file's expected content, by path from the repository root. */
export function expectedFiles(): Record<string, string> {
  const files: Record<string, string> = { [SCHEMA_FILE]: configJsonSchema() };
  for (const [name, { file, text }] of Object.entries(generatedBlocks())) {
    const current = files[file] ?? readFileSync(`${ROOT}${file}`, 'utf8');
    const start = `<!-- options:${name} -->`;
    const end = `<!-- /options:${name} -->`;
    const from = current.indexOf(start);
    const to = current.indexOf(end);
    if (from < 0 || to < from) throw new Error(`${file} has no ${start} … ${end} block`);
    files[file] = `${current.slice(0, from + start.length)}\n${text}\n${current.slice(to)}`;
  }
  return files;
}

/** Paths whose content differs from what the schema gives. */
export function staleFiles(): string[] {
  return Object.entries(expectedFiles())
    .filter(([path, text]) => {
      try {
        return readFileSync(`${ROOT}${path}`, 'utf8') !== text;
      } catch {
        return true;
      }
    })
    .map(([path]) => path);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    const stale = staleFiles();
    if (stale.length > 0) {
      console.error(`out of date (run npx tsx scripts/config-docs.ts): ${stale.join(', ')}`);
      process.exit(1);
    }
  } else {
    for (const [path, text] of Object.entries(expectedFiles())) writeFileSync(`${ROOT}${path}`, text);
  }
}
