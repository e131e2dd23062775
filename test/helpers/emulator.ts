import { afterEach } from 'vitest';
import type { ClientOptions } from '../../src/index.js';
import { IdCloudClient } from '../../src/index.js';
import {
  type EmulatorServer,
  type EmulatorServerOptions,
  startEmulatorServer,
} from '../../src/testing/index.js';

const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/**
 * Starts a loopback emulator and a client wired to it; both are closed after the test.
 * @param options - emulator options
 * @param clientOverrides - client options on top of the emulator's
 */
export async function setup(
  options: EmulatorServerOptions = {},
  clientOverrides: Partial<ClientOptions> = {},
): Promise<{ server: EmulatorServer; client: IdCloudClient }> {
  const server = await startEmulatorServer(options);
  open.push(server);
  const client = new IdCloudClient(server.clientOptions(clientOverrides));
  open.push(client);
  return { server, client };
}

/** Registers anything with close() for cleanup after the current test. */
export function closeAfterTest(resource: { close(): Promise<void> }): void {
  open.push(resource);
}

/** A minimal valid input for a scenario CPF and an image. */
export function inputFor(cpf: string, imageBase64: string) {
  return { subject: { code: cpf, name: 'Luke Skywalker' }, useCase: 'Onboarding', imageBase64 };
}
