/**
 * Stand-ins for the OpenTelemetry SDK, so examples/opentelemetry.ts runs without an exporter:
 * an in-memory tracer provider that records finished spans, and an AsyncLocalStorage context
 * manager (what `@opentelemetry/sdk-node` registers for you). In an application, register the
 * real SDK instead and delete this file.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import {
  type Attributes,
  type AttributeValue,
  type Context,
  type ContextManager,
  context as contextApi,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';

/** A finished span, as an exporter would receive it. */
export interface FinishedSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly attributes: Attributes;
  readonly events: ReadonlyArray<{ readonly name: string; readonly attributes: Attributes }>;
  readonly status: SpanStatus;
  readonly durationMs: number;
}

const toMs = (time: TimeInput | undefined): number => {
  if (time === undefined) return performance.timeOrigin + performance.now();
  if (typeof time === 'number') return time;
  if (time instanceof Date) return time.getTime();
  return time[0] * 1000 + time[1] / 1e6;
};

class RecordingSpan implements Span {
  readonly #context: SpanContext;
  readonly #started: number;
  readonly #finished: FinishedSpan[];
  #name: string;
  #attributes: Attributes = {};
  #events: Array<{ name: string; attributes: Attributes }> = [];
  #status: SpanStatus = { code: SpanStatusCode.UNSET };
  #ended = false;

  constructor(
    name: string,
    readonly kind: SpanKind,
    readonly parent: SpanContext | undefined,
    options: SpanOptions,
    finished: FinishedSpan[],
  ) {
    this.#name = name;
    this.#finished = finished;
    this.#started = toMs(options.startTime);
    this.#context = {
      traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      traceFlags: TraceFlags.SAMPLED,
    };
    if (options.attributes) this.setAttributes(options.attributes);
  }
  spanContext(): SpanContext {
    return this.#context;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.#attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.#attributes, attributes);
    return this;
  }
  addEvent(name: string, attributes?: Attributes | TimeInput): this {
    const isAttributes =
      typeof attributes === 'object' && !(attributes instanceof Date) && !Array.isArray(attributes);
    this.#events.push({ name, attributes: isAttributes ? attributes : {} });
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.#status = status;
    return this;
  }
  updateName(name: string): this {
    this.#name = name;
    return this;
  }
  isRecording(): boolean {
    return !this.#ended;
  }
  recordException(exception: unknown): void {
    this.addEvent('exception', { 'exception.message': String(exception) });
  }
  end(endTime?: TimeInput): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#finished.push({
      name: this.#name,
      kind: this.kind,
      spanId: this.#context.spanId,
      parentSpanId: this.parent?.spanId,
      attributes: this.#attributes,
      events: this.#events,
      status: this.#status,
      durationMs: Math.round((toMs(endTime) - this.#started) * 10) / 10,
    });
  }
}

class MemoryTracer implements Tracer {
  constructor(readonly finished: FinishedSpan[]) {}

  startSpan(name: string, options: SpanOptions = {}, context: Context = contextApi.active()): Span {
    const parent = options.root ? undefined : trace.getSpanContext(context);
    return new RecordingSpan(name, options.kind ?? SpanKind.INTERNAL, parent, options, this.finished);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest.at(-1) as (span: Span) => ReturnType<F>;
    const options = (rest.length > 1 ? rest[0] : {}) as SpanOptions;
    const parentContext = (rest.length > 2 ? rest[1] : contextApi.active()) as Context;
    const span = this.startSpan(name, options, parentContext);
    return contextApi.with(trace.setSpan(parentContext, span), fn, undefined, span);
  }
}

class AsyncLocalStorageContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(context, () => fn.apply(thisArg, args));
  }
  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    return ((...args: unknown[]) =>
      this.with(context, target as (...a: unknown[]) => unknown, undefined, ...args)) as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

/**
 * Registers the in-memory provider and the context manager globally, as `sdk.start()` would.
 * @returns the list finished spans are appended to
 */
export function registerInMemoryTracing(): FinishedSpan[] {
  const finished: FinishedSpan[] = [];
  const tracer = new MemoryTracer(finished);
  const provider: TracerProvider = { getTracer: () => tracer };
  contextApi.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return finished;
}

/**
 * Prints finished spans as a tree.
 * @param spans - what the provider recorded
 */
export function printSpanTree(spans: readonly FinishedSpan[]): void {
  const children = (parent: string | undefined) => spans.filter((s) => s.parentSpanId === parent);
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => s.parentSpanId === undefined || !ids.has(s.parentSpanId));
  const print = (span: FinishedSpan, depth: number) => {
    const attributes = Object.entries(span.attributes)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    const status = span.status.code === SpanStatusCode.ERROR ? ' ERROR' : '';
    console.log(
      `${'  '.repeat(depth)}${span.name} [${SpanKind[span.kind]}${status}, ${span.durationMs} ms] ${attributes}`,
    );
    for (const event of span.events) {
      const fields = Object.entries(event.attributes)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');
      console.log(`${'  '.repeat(depth + 1)}· event ${event.name} ${fields}`);
    }
    for (const child of children(span.spanId)) print(child, depth + 1);
  };
  for (const root of roots) print(root, 0);
}
