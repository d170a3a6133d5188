// Removes the JetStream stream and KV buckets a test run created on a NATS server.
import { connect } from 'nats';
import { natsNames } from '../../src/broker/nats/nats-names.js';

export async function removeNatsState(url: string, prefix: string): Promise<void> {
  const names = natsNames(prefix);
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    for (const stream of [names.historyStream, `KV_${names.metaBucket}`, `KV_${names.presenceBucket}`]) {
      await jsm.streams.delete(stream).catch(() => {});
    }
  } finally {
    await nc.close();
  }
}
