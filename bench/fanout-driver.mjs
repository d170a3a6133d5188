// The driver both fan-out scripts share (hub-fanout.mjs, transport-fanout.mjs): this process
// holds the server, pinned to core 1; a child process holds the N subscribers, pinned to
// core 0. The child says `{ ready }` once all are subscribed, `{ done }` when a publication
// has reached all N, and `{ latencies, cpuPercent }` when asked to 'report'.
import { fork, execFileSync } from 'node:child_process';
import { once } from 'node:events';

/** Pins a process to one core where taskset exists; says so once when it does not. */
export function pin(pid, core) {
  try {
    execFileSync('taskset', ['-pc', String(core), String(pid)], { stdio: 'ignore' });
  } catch {
    if (pid === process.pid) console.log('# taskset unavailable: server and subscribers are not pinned apart');
  }
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * One run: forks `subscribers` (a URL of the child script) with `args`, waits until they are
 * subscribed (at most `readyTimeoutMs`, then the process exits naming `label`), calls
 * `onReady`, then publishes `messages` times with `publish(k)`, at most `window` in flight.
 * Returns deliveries/s, delivery latency p50/p99 and both processes' CPU %.
 */
export async function driveFanout({ subscribers, args, subs, messages, window, publish, label, readyTimeoutMs = 120_000, onReady = () => {} }) {
  const child = fork(subscribers, args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  pin(child.pid, 0);
  let wake;
  const progress = [];
  let errors = 0;
  child.on('message', (m) => {
    if (m.error && errors++ < 5) console.error(`# subscriber error ${m.error}`);
    progress.push(m);
    wake?.();
  });
  const next = async (pred) => {
    for (;;) {
      const i = progress.findIndex(pred);
      if (i !== -1) return progress.splice(i, 1)[0];
      await new Promise((r) => (wake = r));
    }
  };
  // A load that cannot get all its subscribers in is reported, not waited for for ever.
  const stuck = setTimeout(() => {
    console.error(`# ${label}: not all ${subs} subscribers subscribed within ${readyTimeoutMs / 1000} s`);
    process.exit(1);
  }, readyTimeoutMs);
  await next((m) => m.ready);
  clearTimeout(stuck);
  onReady();
  child.send('start');
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let sent = 0;
  let done = 0;
  while (done < messages) {
    while (sent < messages && sent - done < window) await publish(++sent);
    await next((m) => m.done !== undefined);
    done++;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  child.send('report');
  const { latencies, cpuPercent } = await next((m) => m.latencies);
  child.send('exit');
  await once(child, 'exit');
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    deliveriesPerSec: (subs * messages) / seconds, p50: pct(0.5), p99: pct(0.99),
    serverCpu: (100 * (cpu.user + cpu.system)) / 1e6 / seconds, subscriberCpu: cpuPercent,
  };
}

/**
 * The subscriber process's side of the protocol: measures its own CPU from 'start', sends
 * `latencies` and that CPU on 'report' (after `beforeReport`), and exits on 'exit'.
 */
export function followDriver(latencies, beforeReport = () => {}) {
  let cpuAtStart;
  let timeAtStart = 0;
  process.on('message', (msg) => {
    if (msg === 'start') {
      cpuAtStart = process.cpuUsage();
      timeAtStart = performance.now();
    }
    if (msg === 'report') {
      beforeReport();
      const cpu = process.cpuUsage(cpuAtStart);
      const seconds = (performance.now() - timeAtStart) / 1000;
      process.send({ latencies, cpuPercent: (100 * (cpu.user + cpu.system)) / 1e6 / seconds });
    }
    if (msg === 'exit') process.exit(0);
  });
}
