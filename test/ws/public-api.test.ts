// The published declarations of volley/ws: built here with the build's settings (stripInternal),
// in memory, and read as the user's editor reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ts from 'typescript';

function emitDeclarations(): Map<string, string> {
  const config = ts.getParsedCommandLineOfConfigFile('tsconfig.build.json', {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const program = ts.createProgram(['src/ws/index.ts'], { ...config.options, noEmit: false, declaration: true, emitDeclarationOnly: true });
  const out = new Map<string, string>();
  program.emit(undefined, (name, text) => out.set(name.replace(/\\/g, '/').replace(/^.*\/dist\//, ''), text), undefined, true);
  return out;
}

/** The members a class declares to its users (private and #private ones left out). */
function publicMembers(source: string, className: string): string[] {
  const file = ts.createSourceFile('x.d.ts', source, ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  file.forEachChild((node) => {
    if (!ts.isClassDeclaration(node) || node.name?.text !== className) return;
    for (const member of node.members) {
      if (ts.getCombinedModifierFlags(member as ts.Declaration) & ts.ModifierFlags.Private) continue;
      if (!member.name || ts.isPrivateIdentifier(member.name)) continue;
      names.push(member.name.getText(file));
    }
  });
  return [...new Set(names)].sort();
}

const declarations = emitDeclarations();

test('the published WebSocket declares its public API and nothing of its internals', () => {
  assert.deepEqual(publicMembers(declarations.get('ws/websocket.d.ts')!, 'WebSocket'), [
    'CLOSED', 'CLOSING', 'CONNECTING', 'OPEN',
    'addEventListener', 'binaryType', 'bufferedAmount', 'close', 'extensions', 'isAlive',
    'onclose', 'onerror', 'onmessage', 'onopen', 'ping', 'pong', 'protocol', 'readyState',
    'removeEventListener', 'send', 'sendPrepared', 'terminate', 'url',
  ]);
});

test('the published WebSocketServer declares its public API and nothing of its internals', () => {
  assert.deepEqual(publicMembers(declarations.get('ws/server.d.ts')!, 'WebSocketServer'), [
    'address', 'broadcast', 'clients', 'close', 'handleUpgrade', 'options', 'shouldHandle',
  ]);
});

test('no declaration of volley/ws carries an @internal member or the server-side sentinel', () => {
  const wsFiles = [...declarations].filter(([name]) => name.startsWith('ws/'));
  assert.ok(wsFiles.length > 5);
  for (const [name, text] of wsFiles) {
    assert.doesNotMatch(text, /@internal|SERVER_SIDE|acceptWebSocket/, name);
  }
});
