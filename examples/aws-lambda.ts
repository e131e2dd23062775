/**
 * AWS Lambda recipe (docs/recipes/aws-lambda.md): an API Gateway (HTTP API, payload v2) handler.
 *
 * - The client is created once, in the init phase, outside the handler, and reused by every
 *   invocation of this execution environment (token cache and connection pool included).
 * - `warmup()` fetches the access token during init, so the first request does not pay for it.
 * - Each call's `timeoutMs` comes from `context.getRemainingTimeInMillis()` minus a margin, so the
 *   SDK gives up (with a typed error) before Lambda kills the invocation.
 * - No `client.close()` per invocation: it ends the client for good.
 *
 * Run directly, it starts the emulator, calls the handler with a fake Lambda context and exits:
 *
 *   npx tsx examples/aws-lambda.ts
 */
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type ClientOptions, IdCloudClient } from 'unico-idcloud';
import {
  answerForError,
  answerForResult,
  type HttpAnswer,
  toCreateProcessInput,
} from './shared/verification.js';

/** Time kept back from the invocation's remaining time: for writing the response and logs. */
const SAFETY_MARGIN_MS = 1_500;
/** Below this, do not even start: a verification takes ~2 s, and a token refresh more. */
const MIN_BUDGET_MS = 3_000;
/** Never wait longer than this for one verification, however long the function may run. */
const MAX_BUDGET_MS = 30_000;

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

// ---- Init phase: runs once per execution environment (cold start) ----

// Run directly: the emulator stands in for Unico. Deployed: configuration from the environment.
const local = runDirectly ? await startLocalEmulator() : undefined;
const client = new IdCloudClient({
  ...(local?.options ?? optionsFromEnvironment()),
  // Your function's release, not AWS_LAMBDA_FUNCTION_VERSION: `$LATEST` is not a User-Agent token.
  appInfo: { name: 'kyc-lambda', version: '1.0.0' },
  // A fleet of cold starts should share one token: see docs/token-store.md (tokenStore).
});

// Top-level await in an ES module handler runs during init (for provisioned concurrency, before
// the environment takes traffic). A failure here must not crash the init: the first call simply
// tries again.
await client.warmup({ timeoutMs: 5_000 }).catch((err: unknown) => {
  console.warn('unico-idcloud warmup failed; the first call will retry', (err as Error).message);
});

// ---- Handler: runs per invocation ----

export async function handler(
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> {
  const budgetMs = Math.min(MAX_BUDGET_MS, context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS);
  if (budgetMs < MIN_BUDGET_MS) {
    return toLambda({ status: 503, headers: {}, body: { error: 'try-again' } });
  }
  let body: unknown;
  try {
    body = JSON.parse(
      event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString() : (event.body ?? ''),
    );
  } catch {
    return toLambda({ status: 400, headers: {}, body: { error: 'invalid-json' } });
  }
  try {
    const result = await client.createProcess(toCreateProcessInput(body), {
      timeoutMs: budgetMs,
      // Lambda's request id becomes Unico's X-Request-Id and every error's requestId: one id
      // from CloudWatch to Unico support.
      requestId: context.awsRequestId,
    });
    console.log(JSON.stringify({ msg: 'verified', kind: result.kind, processId: result.id, budgetMs }));
    return toLambda(answerForResult(result));
  } catch (err) {
    const answer = answerForError(err);
    if (answer.alert)
      console.error(JSON.stringify({ msg: 'unico-idcloud needs attention', error: String(err) }));
    return toLambda(answer);
  }
}

function toLambda(answer: HttpAnswer): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: answer.status,
    headers: { 'content-type': 'application/json', ...answer.headers },
    body: JSON.stringify(answer.body),
  };
}

/**
 * Production configuration. Secrets from environment variables keep the recipe short; in a real
 * function read them from Secrets Manager or SSM here (top-level await is fine), or keep the key
 * in KMS with `serviceAccount.signer` (docs/recipes/kms-signer.md).
 */
function optionsFromEnvironment(): ClientOptions {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  return {
    environment: process.env['UNICO_ENVIRONMENT'] === 'production' ? 'production' : 'uat',
    serviceAccount: {
      accountName: need('UNICO_ACCOUNT_NAME'),
      tenantId: need('UNICO_TENANT_ID'),
      privateKey: need('UNICO_PRIVATE_KEY'),
    },
    apiKey: need('UNICO_API_KEY'),
  };
}

// ---- Local run: the emulator, a fake event and a fake context ----

async function startLocalEmulator() {
  // Imported only here: a deployed function never loads the emulator (or msw).
  const { SCENARIOS, startEmulatorServer } = await import('unico-idcloud/testing');
  const server = await startEmulatorServer();
  return {
    options: server.clientOptions(),
    cpf: SCENARIOS.verified.cpf,
    capture: () => server.emulator.createCapture(),
    close: () => server.close(),
  };
}

function fakeContext(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = () => {
    throw new Error('callback-style completion is not used by async handlers');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'kyc-verify',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:sa-east-1:123456789012:function:kyc-verify',
    memoryLimitInMB: '512',
    awsRequestId: crypto.randomUUID(),
    logGroupName: '/aws/lambda/kyc-verify',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

function fakeEvent(body: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /verifications',
    rawPath: '/verifications',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    body: JSON.stringify(body),
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
  };
}

if (local !== undefined) {
  const person = { cpf: local.cpf, name: 'Luke Skywalker' };
  // A function configured with a 10 s timeout, invoked twice: a verification, and an invocation
  // that has almost no time left (answered at once, nothing sent to Unico).
  const first = await handler(fakeEvent({ ...person, capture: local.capture() }), fakeContext(10_000));
  console.log(`invocation 1 (10 s left):  ${first.statusCode} ${first.body}`);
  const second = await handler(fakeEvent({ ...person, capture: local.capture() }), fakeContext(2_000));
  console.log(`invocation 2 (2 s left):   ${second.statusCode} ${second.body}`);
  // Only a local run closes anything: in Lambda the environment is frozen, not shut down.
  await client.close();
  await local.close();
}
