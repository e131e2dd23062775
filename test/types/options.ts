// Client and call options: the accepted shapes compile, typos and unknown values do not.
import type { webcrypto } from 'node:crypto';
import {
  type CallOptions,
  type ClientOptions,
  type Environment,
  IdCloudClient,
  type ServiceAccount,
} from 'unico-idcloud';
import { type Equal, expectAssignable, expectTrue } from './assert.js';

declare const privateKey: string;
declare const client: IdCloudClient;
declare const signal: AbortSignal;
const serviceAccount: ServiceAccount = { accountName: 'acct', tenantId: 'tenant', privateKey };
const apiKey = 'key';

expectTrue<Equal<Exclude<Environment, object>, 'uat' | 'production'>>();

export function construct(): IdCloudClient[] {
  return [
    new IdCloudClient({ environment: 'uat', serviceAccount, apiKey }),
    new IdCloudClient({
      environment: 'production',
      serviceAccount,
      apiKey,
      timeoutMs: 20_000,
      maxRetries: 0,
    }),
    new IdCloudClient({
      environment: { apiBaseUrl: 'http://127.0.0.1:1', tokenUrl: 'http://127.0.0.1:1/oauth2/token' },
      serviceAccount,
      apiKey,
      tokenTimeoutMs: 5_000,
      logger: console,
    }),
    new IdCloudClient({
      // @ts-expect-error not an environment: 'uat', 'production' or explicit URLs
      environment: 'staging',
      serviceAccount,
      apiKey,
    }),
    new IdCloudClient({
      environment: 'uat',
      serviceAccount,
      apiKey,
      // @ts-expect-error typo of timeoutMs
      timeoutMS: 20_000,
    }),
    new IdCloudClient({
      environment: 'uat',
      serviceAccount,
      // @ts-expect-error typo of apiKey
      apikey: apiKey,
    }),
    // @ts-expect-error apiKey is required
    new IdCloudClient({ environment: 'uat', serviceAccount }),
    new IdCloudClient({
      environment: 'uat',
      serviceAccount,
      apiKey,
      // @ts-expect-error a number of ms, not a string
      timeoutMs: '20s',
    }),
  ];
}

expectAssignable<ServiceAccount>({
  accountName: 'acct',
  tenantId: 'tenant',
  // @ts-expect-error typo of privateKey
  privatekey: privateKey,
});
expectAssignable<ClientOptions>({
  // @ts-expect-error a custom environment needs tokenUrl too
  environment: { apiBaseUrl: 'https://api.example' },
  serviceAccount,
  apiKey,
});
expectAssignable<ClientOptions>({
  environment: {
    apiBaseUrl: 'https://api.example',
    tokenUrl: 'https://id.example/oauth2/token',
    // @ts-expect-error typo of audience
    audiance: 'https://id.example',
  },
  serviceAccount,
  apiKey,
});

export async function call(): Promise<void> {
  const input = {
    subject: { code: '12345678909', name: 'Luke Skywalker' },
    useCase: 'Onboarding',
    imageBase64: 'x',
  };
  await client.createProcess(input);
  await client.createProcess(input, { signal, timeoutMs: 20_000, requestId: 'order-1' });
  // @ts-expect-error typo of timeoutMs
  await client.createProcess(input, { timeoutMS: 20_000 });
  // @ts-expect-error a signal, not a boolean
  await client.createProcess(input, { signal: true });
  await client.warmup({ timeoutMs: 5_000 });
  await client.close();
}

expectAssignable<CallOptions>({ signal, timeoutMs: 1, requestId: 'r' });

/** The key option accepts a PEM, a KeyObject or a CryptoKey-shaped object, and nothing else. */
export function keyShapes(key: webcrypto.CryptoKey): ServiceAccount[] {
  return [
    { accountName: 'a', tenantId: 't', privateKey: key },
    // @ts-expect-error a number is not a key (this compiled when the type leaned on the DOM's CryptoKey)
    { accountName: 'a', tenantId: 't', privateKey: 42 },
    // @ts-expect-error nor is an arbitrary object
    { accountName: 'a', tenantId: 't', privateKey: { pem: 'x' } },
  ];
}
