// The peers' packages come from bench/peers (npm run bench installs them on first use with
// `npm install --prefix bench/peers`), not from the project's dependencies. A missing one
// ends the server with a line saying how to install it.
import { createRequire } from 'node:module';

const fromPeers = createRequire(new URL('../peers/package.json', import.meta.url));

export function peer(name) {
  try {
    return fromPeers(name);
  } catch (err) {
    if (err?.code !== 'MODULE_NOT_FOUND') throw err;
    console.error(`${name} is not installed: npm install --prefix bench/peers`);
    process.exit(3);
  }
}
