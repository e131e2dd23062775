// The `./testing` entry: the emulator server hands out options the client accepts.
import { type ClientOptions, IdCloudClient } from 'unico-idcloud';
import {
  type CapabilityScenario,
  type Emulator,
  type EmulatorServer,
  SCENARIOS,
  type Scenario,
  type ScenarioName,
  type scenarioForCpf,
  startEmulatorServer,
} from 'unico-idcloud/testing';
import { type Equal, expectTrue } from './assert.js';

expectTrue<Equal<Awaited<ReturnType<typeof startEmulatorServer>>, EmulatorServer>>();
expectTrue<Equal<ReturnType<EmulatorServer['clientOptions']>, ClientOptions>>();
expectTrue<Equal<EmulatorServer['emulator'], Emulator>>();
expectTrue<Equal<(typeof SCENARIOS)[ScenarioName], Scenario>>();
expectTrue<Equal<ReturnType<typeof scenarioForCpf>, ScenarioName | CapabilityScenario>>();
expectTrue<Equal<ReturnType<Emulator['createCapture']>, string>>();

export async function emulated(): Promise<string> {
  const server = await startEmulatorServer();
  const client = new IdCloudClient(server.clientOptions({ timeoutMs: 5_000 }));
  // @ts-expect-error not a scenario
  SCENARIOS['approved'];
  // @ts-expect-error overrides are client options: typo of timeoutMs
  server.clientOptions({ timeoutMS: 5_000 });
  const result = await client.createProcess({
    subject: { code: SCENARIOS['inconclusive-liveness-failed'].cpf, name: 'Luke Skywalker' },
    useCase: 'Onboarding',
    imageBase64: server.emulator.createCapture(),
  });
  await client.close();
  await server.close();
  return result.kind;
}
