// The top of V8 CPU profiles (.cpuprofile, as node --cpu-prof writes them and as
// `npm run bench -- --profile SCENARIO` collects them): self time per function, summed over
// the profiles given, as a Markdown table.
//
//   npx tsx bench/profile-top.ts DIR-or-FILE... [--top N]

import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time in µs by function ("name file:line") over one profile, added to `into`. */
export function selfTimes(profile: Profile, rootDir: string, into = new Map<string, number>()): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const [i, id] of profile.samples.entries()) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const file = frame.url.replace(/^file:\/\//, '');
    const where = file ? ` ${file.startsWith(rootDir) ? path.relative(rootDir, file) : path.basename(file)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    into.set(key, (into.get(key) ?? 0) + Math.max(0, profile.timeDeltas[i] ?? 0));
  }
  return into;
}

function files(args: string[]): string[] {
  return args.flatMap((a) => (fs.statSync(a).isDirectory() ? fs.readdirSync(a).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(a, f)) : [a]));
}

function main(argv: string[]): void {
  const topAt = argv.indexOf('--top');
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 15;
  const paths = argv.filter((_, i) => topAt < 0 || (i !== topAt && i !== topAt + 1));
  const list = files(paths);
  if (list.length === 0) throw new Error('usage: npx tsx bench/profile-top.ts DIR-or-FILE... [--top N]');
  const rootDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const times = new Map<string, number>();
  for (const f of list) selfTimes(JSON.parse(fs.readFileSync(f, 'utf8')) as Profile, rootDir, times);
  // Idle time is the event loop waiting: left out of the shares, reported apart.
  const idle = times.get('(idle)') ?? 0;
  times.delete('(idle)');
  const total = [...times.values()].reduce((a, b) => a + b, 0);
  console.log(`${list.length} profile(s), ${(total / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle\n`);
  console.log('| self % | self ms | function |');
  console.log('|---|---|---|');
  for (const [name, us] of [...times.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`| ${((100 * us) / total).toFixed(1)} | ${(us / 1000).toFixed(0)} | \`${name}\` |`);
  }
}

main(process.argv.slice(2));
