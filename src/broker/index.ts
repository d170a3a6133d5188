export type * from './broker.js';
export { MemoryBroker, type MemoryBrokerOptions } from './memory.js';
export { MemoryEngine, type MemoryEngineOptions } from './memory-engine.js';
