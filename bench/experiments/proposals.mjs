// Measures changes proposed for files outside bench/'s owner (src/client, src/auth,
// src/internal/signal.ts) before anyone makes them: copies src/ to .tmp/bench/, applies each
// proposal as anchored text edits (failing loudly when an anchor moved), builds each variant with
// esbuild like tsup does, writes the diffs to .tmp/bench/proposals/*.diff, and runs raw undici,
// the SDK built from the current src/ and the variants, interleaved.
//   node bench/experiments/proposals.mjs [bodyBytes,…=1024] [rounds=10]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { warmCompare } from '../lib/compare.mjs';
import { buildVariant } from './build-variant.mjs';

const BENCH = dirname(dirname(fileURLToPath(import.meta.url)));
const ROOT = dirname(BENCH);
const OUT = join(dirname(BENCH), '.tmp', 'bench', 'proposals');
const SIZES = (process.argv[2] ?? '1024').split(',').map(Number);
const ROUNDS = Number(process.argv[3] ?? 10);

/** Replaces `from` by `to` in `file` of `dir`; the anchor must occur exactly once. */
function edit(dir, file, from, to) {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`${file}: anchor found ${count} times: ${from.slice(0, 80)}`);
  writeFileSync(path, text.replace(from, to));
}

// P1 (src/internal/signal.ts + src/client/client.ts): a deadline creates its AbortController only
// when its signal is read, and an attempt hangs off the call's deadline by a callback, not an
// abort listener; so a call creates one AbortSignal (the attempt's, which undici needs), not two.
function lazyDeadline(dir) {
  edit(
    dir,
    'internal/signal.ts',
    `  reason(): StopReason | undefined;
  dispose(): void;
}`,
    `  reason(): StopReason | undefined;
  /** Calls \`listener\` with the stop value when this deadline stops; returns the unsubscriber. */
  onStop(listener: (value: unknown) => void): () => void;
  dispose(): void;
}`,
  );
  const text = readFileSync(join(dir, 'internal/signal.ts'), 'utf8');
  const start = text.indexOf('export function createDeadline(');
  const end = text.indexOf('\n}\n', start) + 3;
  if (start < 0 || end < 3) throw new Error('signal.ts: createDeadline not found');
  const lazy = `export function createDeadline(timeoutMs: number, parent?: AbortSignal | Deadline): Deadline {
  let controller: AbortController | undefined;
  let why: StopReason | undefined;
  let value: unknown;
  let children: Array<(value: unknown) => void> | undefined;
  const endsAt = Date.now() + timeoutMs;
  const stop = (reason: StopReason, v: unknown) => {
    if (why !== undefined) return;
    why = reason;
    value = v;
    controller?.abort(v);
    if (children !== undefined) for (const child of children) child(v);
  };
  const timer = setTimeout(
    () => stop('timeout', new DOMException('The operation timed out', 'TimeoutError')),
    timeoutMs,
  );
  timer.unref?.();
  let detach: (() => void) | undefined;
  if (parent !== undefined && 'onStop' in parent) {
    detach = parent.onStop((v) => stop('aborted', v));
  } else if (parent !== undefined) {
    const onAbort = () => stop('aborted', parent.reason);
    if (parent.aborted) onAbort();
    else {
      parent.addEventListener('abort', onAbort, { once: true });
      detach = () => parent.removeEventListener('abort', onAbort);
    }
  }
  return {
    get signal() {
      if (controller === undefined) {
        controller = new AbortController();
        if (why !== undefined) controller.abort(value);
      }
      return controller.signal;
    },
    timeoutMs,
    remainingMs: () => Math.max(0, endsAt - Date.now()),
    reason: () => why,
    onStop(listener) {
      if (why !== undefined) {
        listener(value);
        return () => undefined;
      }
      children ??= [];
      children.push(listener);
      return () => {
        const i = children?.indexOf(listener) ?? -1;
        if (i >= 0) children?.splice(i, 1);
      };
    },
    dispose: () => {
      clearTimeout(timer);
      detach?.();
    },
  };
}
`;
  writeFileSync(join(dir, 'internal/signal.ts'), text.slice(0, start) + lazy + text.slice(end));
  edit(
    dir,
    'client/client.ts',
    'createDeadline(Math.min(attemptMs, deadline.remainingMs() || 1), deadline.signal)',
    'createDeadline(Math.min(attemptMs, deadline.remainingMs() || 1), deadline)',
  );
  edit(
    dir,
    'client/client.ts',
    'retries >= this.#options.maxRetries || deadline.signal.aborted) throw failure;',
    'retries >= this.#options.maxRetries || deadline.reason() !== undefined) throw failure;',
  );
  edit(
    dir,
    'client/client.ts',
    `    if (deadline.signal.aborted) return stopped(deadline, sent, requestId, err);
    if (attempt.signal.aborted) {`,
    `    if (deadline.reason() !== undefined) return stopped(deadline, sent, requestId, err);
    if (attempt.reason() !== undefined) {`,
  );
  // The token: served synchronously while fresh, without reading the deadline's signal.
  edit(
    dir,
    'client/client.ts',
    `  async #token(deadline: Deadline, requestId: string | undefined): Promise<string> {
    try {`,
    `  async #token(deadline: Deadline, requestId: string | undefined): Promise<string> {
    const fresh = deadline.reason() === undefined ? this.#tokens.peek() : undefined;
    if (fresh !== undefined) return fresh;
    try {`,
  );
  edit(
    dir,
    'auth/token-cache.ts',
    `  async get(signal?: AbortSignal): Promise<string> {`,
    `  /** The cached token when it can be served now (starting a due background refresh), else undefined. */
  peek(): string | undefined {
    const current = this.#current;
    if (current === undefined) return undefined;
    const left = current.expiresAt - this.#now();
    if (left <= this.#minValidity(current)) return undefined;
    if (left <= this.#refreshAhead(current) && this.#inflight === undefined) {
      this.#refresh().catch((err: unknown) => this.#options.onBackgroundError?.(err));
    }
    return current.value;
  }

  async get(signal?: AbortSignal): Promise<string> {`,
  );
}

// P2 (src/client/transport.ts): no Proxy around undici's handler (write tracking wraps only
// onConnect/onRequestStart; the other methods are bound once per request from a per-class list),
// one URL parse per distinct URL, and the body read with text() when its declared length fits.
function leanTransport(dir) {
  edit(
    dir,
    'client/transport.ts',
    '      const target = new URL(req.url);',
    '      const target = parseTarget(req.url);',
  );
  edit(
    dir,
    'client/transport.ts',
    `        body = await readCapped(res.body, req.maxResponseBytes);`,
    `        const declared = Number(res.headers['content-length']);
        body =
          declared <= req.maxResponseBytes
            ? await res.body.text()
            : await readCapped(res.body, req.maxResponseBytes);`,
  );
  const text = readFileSync(join(dir, 'client/transport.ts'), 'utf8');
  const start = text.indexOf('const trackWrites: Dispatcher.DispatcherComposeInterceptor');
  const end = text.indexOf('\n};\n', start) + 4;
  if (start < 0 || end < 4) throw new Error('transport.ts: trackWrites not found');
  const lean = `const handlerMethods = new WeakMap<object, string[]>();
function methodsOf(handler: object): string[] {
  const proto = Object.getPrototypeOf(handler) as object;
  let names = handlerMethods.get(proto);
  if (names === undefined) {
    names = [];
    for (let p: object | null = handler; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const key of Object.getOwnPropertyNames(p)) {
        if (key !== 'constructor' && typeof (handler as Record<string, unknown>)[key] === 'function' && !names.includes(key)) names.push(key);
      }
    }
    handlerMethods.set(proto, names);
  }
  return names;
}

const trackWrites: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
  const onWrite = (opts as { [ON_WRITE]?: () => void })[ON_WRITE];
  if (onWrite === undefined) return dispatch(opts, handler);
  let seen = false;
  const tracked: Record<string, unknown> = {};
  for (const key of methodsOf(handler)) {
    const fn = (handler as unknown as Record<string, (...args: unknown[]) => unknown>)[key]!;
    tracked[key] =
      key === 'onConnect' || key === 'onRequestStart'
        ? (...args: unknown[]) => {
            if (!seen) {
              seen = true;
              onWrite();
            }
            return fn.apply(handler, args);
          }
        : fn.bind(handler);
  }
  return dispatch(opts, tracked as unknown as Dispatcher.DispatchHandler);
};

const targets = new Map<string, { origin: string; pathname: string; search: string }>();
function parseTarget(url: string): { origin: string; pathname: string; search: string } {
  let target = targets.get(url);
  if (target === undefined) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, pathname: parsed.pathname, search: parsed.search };
    if (targets.size < 64) targets.set(url, target);
  }
  return target;
}
`;
  writeFileSync(join(dir, 'client/transport.ts'), text.slice(0, start) + lean + text.slice(end));
}

// P3 (src/schemas/input.ts + the body type in client.ts/transport.ts): the prepared body is bytes:
// the small JSON head encoded, the validated image (ASCII only, so one byte per character) written
// with TextEncoder#encodeInto next to it. No Buffer, so the edge build can share it. Today undici
// turns the string body into a Buffer itself: V8 flattens the spliced string (a fresh image-sized
// string) and then encodes it (a second fresh copy).
function bytesBody(dir) {
  edit(
    dir,
    'schemas/input.ts',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the anchor is source text, not a template
    '  const body = `${head.slice(0, -1)},"imageBase64":"${imageBase64}"}`;',
    `  const encoder = new TextEncoder();
  const prefix = encoder.encode(\`\${head.slice(0, -1)},"imageBase64":"\`);
  const body = new Uint8Array(prefix.length + imageBase64.length + 2);
  body.set(prefix, 0);
  encoder.encodeInto(imageBase64, body.subarray(prefix.length));
  body[body.length - 2] = 0x22; // "
  body[body.length - 1] = 0x7d; // }`,
  );
}

const VARIANTS = {
  'P1 one signal per call, sync token': [lazyDeadline],
  'P2 lean transport': [leanTransport],
  'P1+P2': [lazyDeadline, leanTransport],
  'P1+P2+P3 bytes body': [lazyDeadline, leanTransport, bytesBody],
};

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const builds = { 'sdk (current src)': await buildVariant(join(OUT, 'build-current')) };
for (const [name, edits] of Object.entries(VARIANTS)) {
  const slug = name.split(' ')[0].toLowerCase().replace(/\W+/g, '-');
  const src = join(OUT, `src-${slug}`);
  cpSync(join(ROOT, 'src'), src, { recursive: true });
  for (const apply of edits) apply(src);
  try {
    execFileSync('diff', ['-ru', join(ROOT, 'src'), src], { encoding: 'utf8' });
  } catch (err) {
    writeFileSync(join(OUT, `${slug}.diff`), err.stdout);
  }
  builds[`sdk ${name}`] = await buildVariant(join(OUT, `build-${slug}`), { src });
}

for (const bodyBytes of SIZES)
  await warmCompare({ builds, bodyBytes, rounds: ROUNDS, title: `Proposals (diffs in ${OUT})` });
