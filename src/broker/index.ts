export type * from './broker.js';
export { MemoryBroker, type MemoryBrokerOptions } from './memory.js';
export { MemoryEngine, type MemoryEngineOptions } from './memory-engine.js';
// Cluster engines: their modules import ioredis / nats only dynamically, when a broker starts.
export { brokerFromUrl, type BrokerFromUrlOptions } from './from-url.js';
export { RedisBroker, type RedisBrokerOptions } from './redis/redis-broker.js';
export { NatsBroker, type NatsBrokerOptions } from './nats/nats-broker.js';
export { BrokerUnavailableError } from './cluster/errors.js';
