import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandArgs, parseInteger, UsageError } from '../../src/cli/args.js';
import { parseBinaryArgument, parseInputLine } from '../../src/cli/connect-input.js';
import { clock, createOutput, describeBinary } from '../../src/cli/connect-output.js';
import { parseHeaders } from '../../src/cli/connect-command.js';

describe('parseCommandArgs', () => {
  const specs = { port: { type: 'string', short: 'p' }, tag: { type: 'string', multiple: true }, json: { type: 'boolean' } } as const;

  test('reads values, repeats and positionals', () => {
    const parsed = parseCommandArgs('x', ['-p', '80', 'url', '--tag', 'a', '--tag=b', '--json'], specs);
    assert.deepEqual(parsed.flags, { port: '80', tag: ['a', 'b'], json: true });
    assert.deepEqual(parsed.positionals, ['url']);
  });

  for (const [argv, message] of [
    [['--nope'], /unknown option --nope/],
    [['--port'], /--port needs a value/],
    [['--port', '--json'], /--port needs a value/],
    [['--json=1'], /--json takes no value/],
    [['-p', '1', '--port', '2'], /--port given more than once/],
  ] as const) {
    test(`${argv.join(' ')} → ${message}`, () => {
      assert.throws(() => parseCommandArgs('x', [...argv], specs), (err: unknown) => err instanceof UsageError && message.test(err.message));
    });
  }

  test('parseInteger names what is wrong', () => {
    assert.equal(parseInteger('8080', '--port', 0, 65535, 'serve'), 8080);
    assert.throws(() => parseInteger('-1', '--wait', 0, 10, 'connect'), /--wait must be an integer from 0 to 10, got "-1"/);
    assert.throws(() => parseInteger('1e3', '--port', 0, 65535, 'serve'), /--port/);
  });
});

describe('interactive input lines', () => {
  test('plain lines are text; "//" escapes a leading slash; empty lines send nothing', () => {
    assert.deepEqual(parseInputLine('hello'), { kind: 'text', data: 'hello' });
    assert.deepEqual(parseInputLine('//help'), { kind: 'text', data: '/help' });
    assert.deepEqual(parseInputLine(''), { kind: 'none' });
  });

  test('/binary reads hex pairs, or else the text as UTF-8', () => {
    assert.deepEqual(parseBinaryArgument('68 69 0a'), Buffer.from('hi\n'));
    assert.deepEqual(parseBinaryArgument('CAFE'), Buffer.from([0xca, 0xfe]));
    assert.deepEqual(parseBinaryArgument('héllo'), Buffer.from('héllo'));
    assert.deepEqual(parseBinaryArgument('abc'), Buffer.from('abc'));
    assert.deepEqual(parseInputLine('/binary'), { kind: 'binary', data: Buffer.alloc(0) });
  });

  test('/ping, /close, /quit, /help', () => {
    assert.deepEqual(parseInputLine('/ping hey'), { kind: 'ping', data: Buffer.from('hey') });
    assert.equal(parseInputLine(`/ping ${'x'.repeat(126)}`).kind, 'invalid');
    assert.deepEqual(parseInputLine('/close'), { kind: 'close', code: 1000, reason: '' });
    assert.deepEqual(parseInputLine('/close 4000 see you soon'), { kind: 'close', code: 4000, reason: 'see you soon' });
    assert.equal(parseInputLine('/close 1001').kind, 'invalid');
    assert.equal(parseInputLine('/close soon').kind, 'invalid');
    assert.equal(parseInputLine(`/close 1000 ${'r'.repeat(124)}`).kind, 'invalid');
    assert.deepEqual(parseInputLine('/quit'), { kind: 'quit' });
    assert.deepEqual(parseInputLine('/help'), { kind: 'help' });
    assert.equal(parseInputLine('/frobnicate').kind, 'invalid');
  });
});

describe('output', () => {
  test('binary is shown as its length and hex, cut after 64 bytes', () => {
    assert.equal(describeBinary(Buffer.from([1, 255])), '[binary 2 bytes] 01 ff');
    assert.equal(describeBinary(Buffer.alloc(0)), '[binary 0 bytes]');
    assert.match(describeBinary(Buffer.alloc(100)), /^\[binary 100 bytes\] (00 ){63}00 …$/);
  });

  test('interactive lines carry the time and the direction', () => {
    const lines: string[] = [];
    const at = new Date(2024, 0, 1, 9, 5, 7, 42);
    const out = createOutput('interactive', (line) => lines.push(line), () => at);
    assert.equal(clock(at), '09:05:07.042');
    out.message('in', Buffer.from('hi'), false);
    out.message('out', Buffer.from('yo'), false);
    assert.deepEqual(lines, ['09:05:07.042 < hi', '09:05:07.042 > yo']);
  });

  test('plain output is only what was received; json is every event', () => {
    const plain: string[] = [];
    const p = createOutput('plain', (line) => plain.push(line));
    p.message('out', Buffer.from('sent'), false);
    p.message('in', Buffer.from('got'), false);
    p.closed(1000, '', true);
    assert.deepEqual(plain, ['got']);

    const json: string[] = [];
    const j = createOutput('json', (line) => json.push(line));
    j.message('in', Buffer.from('ü'), false);
    j.message('out', Buffer.from([0]), true);
    assert.deepEqual(json.map((l) => JSON.parse(l)), [
      { dir: 'in', type: 'text', data: 'ü' },
      { dir: 'out', type: 'binary', data: 'AA==' },
    ]);
  });
});

test('parseHeaders wants "Name: value"', () => {
  assert.deepEqual(parseHeaders(['X-A: 1', 'Authorization: Bearer a:b']), { 'X-A': '1', Authorization: 'Bearer a:b' });
  assert.throws(() => parseHeaders(['nocolon']), /--header/);
  assert.throws(() => parseHeaders([': empty name']), /--header/);
});
