/**
 * Cloudflare Worker recipe (docs/recipes/cloudflare-worker.md): a module Worker with a
 * `POST /verifications` route. Type-checked in CI; not run there (no workerd).
 *
 * wrangler resolves `unico-idcloud` through the `workerd` export condition to the edge build:
 * `fetch` as the transport, WebCrypto for RS256, no `node:` import, so no `nodejs_compat` flag is
 * needed. Secrets:
 *
 *   wrangler secret put UNICO_ACCOUNT_NAME   (and UNICO_TENANT_ID, UNICO_PRIVATE_KEY, UNICO_API_KEY)
 *
 * The private key may be pasted with its line breaks or with literal `\n`.
 */
import { createFetchTransport, IdCloudClient } from 'unico-idcloud';
import {
  answerForError,
  answerForResult,
  type HttpAnswer,
  incomingRequestId,
  toCreateProcessInput,
} from './shared/verification.js';

/** The Worker's bindings (wrangler secrets and vars). */
export interface Env {
  readonly UNICO_ENVIRONMENT?: string;
  readonly UNICO_ACCOUNT_NAME: string;
  readonly UNICO_TENANT_ID: string;
  readonly UNICO_PRIVATE_KEY: string;
  readonly UNICO_API_KEY: string;
}

// One client per isolate, built on the first request (bindings are not available while the
// module loads) and reused by every request the isolate serves: token cache included.
let client: IdCloudClient | undefined;

function clientFor(env: Env): IdCloudClient {
  client ??= new IdCloudClient({
    environment: env.UNICO_ENVIRONMENT === 'production' ? 'production' : 'uat',
    serviceAccount: {
      accountName: env.UNICO_ACCOUNT_NAME,
      tenantId: env.UNICO_TENANT_ID,
      privateKey: env.UNICO_PRIVATE_KEY,
    },
    apiKey: env.UNICO_API_KEY,
    // The edge build already defaults to fetch; explicit here so a bundler that ignores the
    // `workerd` condition (and picks the Node build) still never reaches for undici.
    transport: createFetchTransport(),
    appInfo: { name: 'kyc-worker', version: '1.0.0' },
  });
  return client;
}

function respond(answer: HttpAnswer): Response {
  return Response.json(answer.body, { status: answer.status, headers: answer.headers });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== '/verifications') return new Response('Not found', { status: 404 });
    if (request.method !== 'POST') return new Response('Method not allowed', { status: 405 });

    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return respond({ status: 400, headers: {}, body: { error: 'invalid-json' } });
    }
    try {
      const result = await clientFor(env).createProcess(toCreateProcessInput(body), {
        // Cloudflare's ray id becomes Unico's X-Request-Id: one id from the Workers logs to Unico.
        requestId: incomingRequestId(request.headers.get('x-request-id') ?? request.headers.get('cf-ray')),
        timeoutMs: 20_000,
      });
      return respond(answerForResult(result));
    } catch (err) {
      const answer = answerForError(err);
      if (answer.alert) console.error('unico-idcloud needs attention:', String(err));
      return respond(answer);
    }
  },
};
