// A parser of the Prometheus text exposition format (version 0.0.4), for tests that scrape
// /metrics: `# TYPE` lines, and samples `name{label="value",…} value`. Label values may hold
// the escapes \\, \" and \n. Anything else on a line is an error, so a malformed exposition fails.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Metric family name → its type (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) types.set(type[1]!, type[2]!);
      else if (!/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) throw new Error(`line ${index + 1}: bad comment: ${line}`);
      continue;
    }
    samples.push(parseSample(line, index + 1));
  }
  return { samples, types };
}

function parseSample(line: string, lineNumber: number): Sample {
  const fail = (why: string) => new Error(`line ${lineNumber}: ${why}: ${line}`);
  const name = NAME.exec(line)?.[0];
  if (name === undefined) throw fail('no metric name');
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const labelName = LABEL_NAME.exec(line.slice(at))?.[0];
      if (labelName === undefined || line[at + labelName.length] !== '=' || line[at + labelName.length + 1] !== '"') throw fail('bad label');
      at += labelName.length + 2;
      let value = '';
      for (;;) {
        const c = line[at];
        if (c === undefined) throw fail('unterminated label value');
        at++;
        if (c === '"') break;
        if (c === '\\') {
          const escaped = line[at++];
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw fail('bad escape');
        } else value += c;
      }
      labels[labelName] = value;
      if (line[at] === ',') at++;
      else if (line[at] !== '}') throw fail('expected , or }');
    }
    at++;
  }
  const rest = line.slice(at).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') throw fail('expected a value');
  const value = parseValue(rest[0]!);
  if (value === undefined) throw fail('bad value');
  return { name, labels, value };
}

/** Like Prometheus (Go's ParseFloat): NaN and Inf in any case (prom-client writes "Nan"). */
function parseValue(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

/** The sum of the samples named `name` whose labels include `labels` (0 when none). */
export function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const sample of exposition.samples) {
    if (sample.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) sum += sample.value;
  }
  return sum;
}
