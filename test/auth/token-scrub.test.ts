import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdCloudClient, TokenError } from '../../src/index.js';
import { createSamplePng } from '../../src/testing/index.js';
import { leakedSecrets } from '../helpers/leaks.js';
import { faults, PLANTED, plantedEchoes, startScriptedServer } from '../helpers/scripted-server.js';

/**
 * The token endpoint's `error_description` is free text from the server. When it echoes a CPF, a
 * name, an e-mail or something secret-looking — in any case or format — none of it may reach the
 * error's message, `String(err)`, `JSON.stringify` or `util.inspect`; and the description kept on
 * the error has every CPF-shaped number and opaque blob removed.
 */

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PEM_LINES = PEM.split('\n').slice(1, -2);
// Secret-looking text the endpoint might reflect: a JWT (like the client assertion) and key material.
const JWT = `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from('{"iss":"acct@tenant.iam.acesso.io"}').toString('base64url')}.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU`;
const KEY_LINE = PEM_LINES[3] ?? '';
const { cpf } = PLANTED;
const CPF_FORMS = [cpf, `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`];
const OPAQUE = [JWT, KEY_LINE];
const EVERYTHING = [
  ...plantedEchoes(),
  ...CPF_FORMS,
  PLANTED.name,
  PLANTED.name.toUpperCase(),
  PLANTED.email,
  PLANTED.email.toUpperCase(),
  PLANTED.apiKey,
  ...OPAQUE,
  PLANTED.token,
];

const CASES = [
  {
    name: '1.2.18 in a 401, with every planted value in other cases and formats',
    fault: faults.tokenEcho('1.2.18', 401),
  },
  {
    name: '1.2.22 in a 500, with a JWT and a line of the private key',
    fault: faults.json(500, {
      error: 'server_error',
      error_description: `Falha 1.2.22 para assertion=${JWT} chave ${KEY_LINE} (${cpf})`,
    }),
  },
  {
    name: 'a 400 without a Unico code, the CPF dotted and the e-mail upper-cased',
    fault: faults.json(400, {
      error: 'invalid_request',
      error_description: `titular ${CPF_FORMS[1]} ${PLANTED.email.toUpperCase()} ${PLANTED.name} ${PLANTED.token}`,
    }),
  },
  {
    name: 'a 403 whose description is only a CPF and a token',
    fault: faults.json(403, { error: 'access_denied', error_description: `${cpf} Bearer ${JWT}` }),
  },
];

describe('token endpoint error text', () => {
  it.each(CASES)('$name: nothing echoed reaches any rendering of the error', async ({ fault }) => {
    const server = await startScriptedServer();
    const client = new IdCloudClient({
      environment: server.environment,
      serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey: PEM },
      apiKey: PLANTED.apiKey,
      maxRetries: 0,
    });
    try {
      server.script('token', fault);
      const err = await client
        .createProcess({
          subject: { code: cpf, name: PLANTED.name, email: PLANTED.email },
          useCase: 'Onboarding',
          imageBase64: createSamplePng(),
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TokenError);
      expect(server.hits).toEqual({ token: 1, api: 0 });
      expect(leakedSecrets([err], EVERYTHING)).toEqual([]);
      // The description stays reachable, but without CPF-shaped numbers or opaque blobs.
      const description = String((err as TokenError).description ?? '');
      expect(description.length, 'the description is kept').toBeGreaterThan(0);
      for (const value of [...CPF_FORMS, ...OPAQUE]) {
        expect(description.includes(value), `description holds ${value.slice(0, 6)}…`).toBe(false);
      }
    } finally {
      await client.close();
      await server.close();
    }
  });
});
