export type { CapabilityScenario, CapabilityScenarioInfo } from './capability-scenarios.js';
export { CAPABILITY_SCENARIOS } from './capability-scenarios.js';
export { createEmulator, Emulator } from './emulator.js';
export type { HandlerUrls } from './handlers.js';
export { createHandlers } from './handlers.js';
export { createSamplePng } from './images.js';
export type {
  EmulatorCredentials,
  EmulatorOptions,
  InjectedResponse,
  ReceivedRequest,
} from './options.js';
export type { Scenario, ScenarioName } from './scenarios.js';
export { SCENARIOS, scenarioForCpf } from './scenarios.js';
export type { EmulatorServer, EmulatorServerOptions } from './server.js';
export { startEmulatorServer } from './server.js';
