// The files derived from the options schema are up to date: the JSON Schema for editors and
// the option tables in docs/server.md and docs/cli.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { expectedFiles, staleFiles, SCHEMA_FILE } from '../../scripts/config-docs.js';

test('schema/volley.config.schema.json and the docs tables match the schema (npx tsx scripts/config-docs.ts)', () => {
  assert.deepEqual(staleFiles(), []);
});

test('the JSON Schema lists the config keys with their defaults, and refuses other keys', () => {
  const schema = JSON.parse(expectedFiles()[SCHEMA_FILE]!);
  assert.equal(schema.additionalProperties, false);
  assert.equal(schema.properties.port.default, 8080);
  assert.equal(schema.properties.presenceTtlMs.default, 60000);
  assert.equal(schema.properties.limits.properties.publishRate.default, 20);
  assert.equal(schema.properties.maxConnections.default, 16384);
  assert.equal(schema.properties.secret.writeOnly, true);
  assert.ok(schema.properties.$schema, 'a config file may name its schema');
});

test('each documented table row names a real option: a removed option leaves the docs stale', () => {
  const docs = readFileSync(new URL('../../docs/server.md', import.meta.url), 'utf8');
  assert.match(docs, /\| `maxConnectionsPerAddress` \| `256` \|/);
  const edited = docs.replace('| `maxConnectionsPerAddress` | `256` |', '| `maxConnectionsPerAddress` | `999` |');
  assert.notEqual(edited, expectedFiles()['docs/server.md']);
});
