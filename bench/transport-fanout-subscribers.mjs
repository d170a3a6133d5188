// The subscriber side of bench/transport-fanout.mjs, in its own process: N clients of one
// transport (websocket, sse, long-polling) that each subscribe to one channel and count what
// arrives, speaking the wire formats of docs/transports.md directly (no SDK: the load
// generator should cost as little as it can). Messages carry "k":<sequence>,"t":<ms>.
// Reports over IPC: {ready}, then {done: k} once all N have message k, {latencies, cpuPercent}.
import { WebSocket } from 'volley/ws';
import { followDriver } from './fanout-driver.mjs';

const [base, countArg, transport] = process.argv.slice(2);
const count = Number(countArg);
const received = new Map(); // k -> subscribers that have it
const latencies = [];
let ready = 0;
const COMMANDS = '{"id":1,"method":"connect","params":{}}\n{"id":2,"method":"subscribe","params":{"channel":"bench:fanout"}}';

function numberAfter(text, key, from = 0) {
  const at = text.indexOf(key, from);
  if (at === -1) return -1;
  let n = 0;
  for (let i = at + key.length; text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

/** One message (a reply or a push) of one subscriber. */
function onMessage(text) {
  if (text.startsWith('{"id":')) {
    if (text.startsWith('{"id":2,"result"') && ++ready === count) process.send({ ready: true });
    return;
  }
  const k = numberAfter(text, '"k":');
  if (k < 0) return;
  if (latencies.length < 200_000 && (k & 7) === 0) latencies.push(Date.now() - numberAfter(text, '"t":'));
  const n = (received.get(k) ?? 0) + 1;
  if (n === count) {
    received.delete(k);
    process.send({ done: k });
  } else received.set(k, n);
}

/** Set once the run is measured: the server closing then is no error. */
let stopping = false;
const fail = (i) => (err) => !stopping && process.send({ error: `${i}: ${err.message}${err.cause ? ` (${err.cause.code ?? err.cause.message})` : ""}` });

const phase = (what) => (err) => {
  err.message = `${what}: ${err.message}`;
  throw err;
};

/** A request on a keep-alive connection the server closed as it was reused (a race a loaded machine makes common) is sent again. */
async function retrying(request, tries = 3) {
  try {
    return await request();
  } catch (err) {
    if (tries > 1 && err.cause?.code === 'UND_ERR_SOCKET') return retrying(request, tries - 1);
    throw err;
  }
}

/** connect + subscribe. */
function post(session) {
  return retrying(() => fetch(`${base}/connection/send?session=${session}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: COMMANDS }));
}

function openWebSocket(i) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/connection/websocket`, ['volley.v1'], { perMessageDeflate: false });
  ws.on('open', () => ws.send(COMMANDS.split('\n')[0]) || ws.send(COMMANDS.split('\n')[1]));
  ws.on('message', (data) => onMessage(data.toString()));
  ws.on('error', fail(i));
}

async function openSse(i) {
  const response = await retrying(() => fetch(`${base}/connection/sse`));
  if (!response.ok) throw new Error(`GET /connection/sse: ${response.status} ${await response.text()}`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      if (!line.startsWith('data: ')) continue;
      if (line.startsWith('data: {"session"')) void post(JSON.parse(line.slice(6)).session).catch(fail(i));
      else if (line.startsWith('data: {"code"')) throw new Error(`closed by the server: ${line.slice(6)}`);
      else onMessage(line.slice(6));
    }
  }
  // A subscriber whose stream ends stalls the run: say so rather than wait for the deadline.
  throw new Error('the event stream ended');
}

async function openPoll() {
  const first = await (await retrying(() => fetch(`${base}/connection/poll`)).catch(phase('open'))).json();
  const session = first.session;
  await post(session).catch(phase('post'));
  let ack = 0;
  for (;;) {
    // A poll is safe to repeat (it carries ack): one lost to a keep-alive race is sent again.
    const answer = await (await retrying(() => fetch(`${base}/connection/poll?session=${session}&ack=${ack}`)).catch(phase(`poll after ${ack}`))).json();
    if (answer.close) throw new Error(`closed ${answer.close.code}`);
    for (const { seq, m } of answer.messages) {
      ack = seq;
      onMessage(JSON.stringify(m));
    }
  }
}

const open = { websocket: openWebSocket, sse: openSse, 'long-polling': openPoll }[transport];
// Open in batches so the server's accept queue never overflows.
for (let i = 0; i < count; i++) {
  Promise.resolve(open(i)).catch(fail(i));
  if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20));
}
followDriver(latencies, () => (stopping = true));
