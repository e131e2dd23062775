/**
 * Observability recipe (docs/recipes/observability.md): OpenTelemetry spans from the SDK's
 * `hooks` and a pino logger.
 *
 * - One CLIENT span per HTTP attempt, child of whatever span is active when you call the SDK
 *   (HTTP semantic conventions: `http.request.method`, `http.response.status_code`, `error.type`,
 *   `http.request.resend_count`), plus `unico.request_id` and `unico.code`.
 * - Retries become events on your span; token refreshes become their own spans.
 *
 * `@opentelemetry/api` alone records nothing, so the run registers a small in-memory tracer
 * provider (examples/shared/otel-memory.ts) and prints the span tree. In an application, start
 * the OpenTelemetry SDK instead; `openTelemetryHooks()` stays the same.
 *
 *   npx tsx examples/opentelemetry.ts
 */
import {
  type Attributes,
  type Meter,
  metrics,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { pino } from 'pino';
import {
  type Hooks,
  IdCloudClient,
  IdCloudError,
  type RequestStartEvent,
  type RetryEvent,
  VERSION,
} from 'unico-idcloud';
import { SCENARIOS, startEmulatorServer } from 'unico-idcloud/testing';
import { printSpanTree, registerInMemoryTracing } from './shared/otel-memory.js';

/**
 * Hooks that turn SDK events into OpenTelemetry spans and an attempt-duration histogram. Hooks run
 * synchronously inside the SDK call, so `context.active()` is the caller's context and spans nest
 * under the caller's span.
 * @param tracer - defaults to the global provider's `unico-idcloud` tracer
 * @param meter - defaults to the global provider's `unico-idcloud` meter
 * @returns the `hooks` client option
 */
export function openTelemetryHooks(
  tracer: Tracer = trace.getTracer('unico-idcloud', VERSION),
  meter: Meter = metrics.getMeter('unico-idcloud', VERSION),
): Hooks {
  const duration = meter.createHistogram('http.client.request.duration', {
    unit: 's',
    description: 'Duration of each HTTP attempt to Unico',
  });
  const open = new Map<string, ReturnType<Tracer['startSpan']>>();
  const key = (event: Pick<RequestStartEvent, 'requestId' | 'attempt'>) =>
    `${event.requestId}#${event.attempt}`;
  return {
    onRequestStart(event) {
      const attributes: Attributes = {
        'http.request.method': event.method,
        'url.path': event.path,
        'unico.operation': event.operation,
        'unico.request_id': event.requestId,
      };
      if (event.attempt > 1) attributes['http.request.resend_count'] = event.attempt - 1;
      const route = event.operation === 'getProcess' ? '/processes/v1/{id}' : '/processes/v1';
      open.set(
        key(event),
        tracer.startSpan(`${event.method} ${route}`, { kind: SpanKind.CLIENT, attributes }),
      );
    },
    onRequestEnd(event) {
      const span = open.get(key(event));
      if (span === undefined) return;
      open.delete(key(event));
      if (event.httpStatus !== undefined) span.setAttribute('http.response.status_code', event.httpStatus);
      if (event.unicoCode !== undefined) span.setAttribute('unico.code', event.unicoCode);
      // A transport failure has an SDK code; an HTTP error its status (semconv: `error.type`).
      const errorType =
        event.errorCode ??
        (event.httpStatus !== undefined && event.httpStatus >= 400 ? String(event.httpStatus) : undefined);
      if (errorType !== undefined) {
        span.setAttribute('error.type', errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
      duration.record(event.durationMs / 1000, {
        'http.request.method': event.method,
        'http.response.status_code': event.httpStatus,
        'error.type': errorType,
        'unico.operation': event.operation,
      });
    },
    onRetry(event: RetryEvent) {
      trace.getActiveSpan()?.addEvent('unico-idcloud.retry', {
        'unico.retry.reason': event.reason,
        'unico.retry.delay_ms': event.delayMs,
        'unico.request_id': event.requestId,
      });
    },
    onTokenRefresh(event) {
      // Reported when the refresh ends: back-date the span by its duration.
      const span = tracer.startSpan('unico-idcloud token', {
        kind: SpanKind.CLIENT,
        startTime: Date.now() - event.durationMs,
        attributes: {
          'unico.token.outcome': event.outcome,
          ...(event.expiresInSeconds === undefined
            ? {}
            : { 'unico.token.expires_in_s': event.expiresInSeconds }),
          ...(event.unicoCode === undefined ? {} : { 'unico.code': event.unicoCode }),
        },
      });
      if (event.outcome === 'failure') span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

// ---- Local run ----

const spans = registerInMemoryTracing(); // in an application: new NodeSDK({ … }).start()

const server = await startEmulatorServer();
const client = new IdCloudClient(
  server.clientOptions({
    hooks: openTelemetryHooks(),
    // pino fits the `logger` option as is. `info` shows retries; `debug` one line per attempt.
    logger: pino({ level: 'info', base: null, timestamp: false }),
  }),
);

const tracer = trace.getTracer('kyc-service');
async function verify(scenario: keyof typeof SCENARIOS): Promise<void> {
  await tracer.startActiveSpan(`verify ${scenario}`, async (span) => {
    try {
      const result = await client.createProcess({
        subject: { code: SCENARIOS[scenario].cpf, name: 'Luke Skywalker' },
        useCase: 'Onboarding',
        imageBase64: server.emulator.createCapture(),
      });
      span.setAttribute('kyc.result', result.kind);
    } catch (err) {
      if (!IdCloudError.is(err)) throw err;
      span.setAttribute('error.type', err.code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.code });
    } finally {
      span.end();
    }
  });
}

await verify('verified'); // cold: the token refresh happens inside this call
server.emulator.revokeTokens(); // as a key rotation would: the next call gets a 401
await verify('not-verified'); // 401 → new token → resent once
await verify('server-error'); // 503: ERR_OUTCOME_UNKNOWN, not retried

console.log('\nspans:');
printSpanTree(spans);

await client.close();
await server.close();
