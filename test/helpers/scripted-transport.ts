import { generateKeyPairSync } from 'node:crypto';
import { vi } from 'vitest';
import type { TransportRequest, TransportResponse } from '../../src/http/transport.js';
import type { ClientOptions } from '../../src/index.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const TOKEN_URL = 'https://id.test/oauth2/token';
export const PROCESS = { id: 'p-1', status: 3, unicoId: { result: 'yes' } };

/** What the scripted transport answers to the n-th request of its kind: a response, an error to throw, or no answer. */
export type Route = (req: TransportRequest, n: number) => TransportResponse | Error | 'hang';

export const json = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): TransportResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

export const tokenOk = (expiresIn = 3600) =>
  json(200, { access_token: `tok-${Math.random()}`, token_type: 'Bearer', expires_in: expiresIn });

/** A transport answering the token endpoint with `token` and the API with `api`; `close` is a spy. */
export function scripted(token: Route = () => tokenOk(), api: Route = () => json(200, PROCESS)) {
  const sent: TransportRequest[] = [];
  let tokens = 0;
  let calls = 0;
  const transport = {
    close: vi.fn(async () => undefined),
    request: (req: TransportRequest) => {
      sent.push(req);
      const answer = req.url === TOKEN_URL ? token(req, ++tokens) : api(req, ++calls);
      if (answer instanceof Error) return Promise.reject(answer);
      if (answer !== 'hang') return Promise.resolve(answer);
      return new Promise<TransportResponse>((_, reject) =>
        req.signal.addEventListener('abort', () => reject(req.signal.reason), { once: true }),
      );
    },
  };
  return { transport, sent };
}

/** Client options for a custom environment whose token URL the scripted transport knows. */
export const scriptedOptions = (extra: Partial<ClientOptions> = {}): ClientOptions => ({
  environment: { apiBaseUrl: 'https://api.test', tokenUrl: TOKEN_URL },
  serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey },
  apiKey: 'key-1',
  ...extra,
});
