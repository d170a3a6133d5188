// The MQTT bridge: channels <-> MQTT topics. Loaded only when configured (it imports MQTT.js on start).
export { MqttBridge, startMqttBridge, ORIGIN_PROPERTY, type MqttBridgeRuntime } from './bridge.js';
export { mqttBridgeSchema, resolveMqttBridgeOptions, MqttConfigError, type MqttBridgeOptions, type ResolvedMqttBridgeOptions, type InboundRule, type OutboundRule } from './options.js';
export { hubBridgeHost, type BridgeHost, type BridgePublication } from './host.js';
export type { MqttMessageData, PayloadFormat } from './payload.js';
export type { MqttBridgeStats, InboundCounters, OutboundCounters, BridgeState } from './stats.js';
