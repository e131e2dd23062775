// The User-Agent names the runtime it runs on; test/runtimes runs the built package on each, this
// file checks how each one is recognised (the globals each runtime is known by, planted here).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { userAgent } from '../../src/client/observability.js';
import { VERSION } from '../../src/version.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

/** The User-Agent computed with `globals` planted and Node's `process` hidden unless given. */
function agentWith(globals: Record<string, unknown>, app?: Parameters<typeof userAgent>[0]) {
  vi.stubGlobal('process', undefined);
  for (const [name, value] of Object.entries(globals)) vi.stubGlobal(name, value);
  try {
    return userAgent(app);
  } finally {
    vi.unstubAllGlobals();
  }
}

describe('userAgent', () => {
  it('names the SDK version and Node with its version', () => {
    expect(userAgent()).toBe(`unico-idcloud/${VERSION} node/${process.versions.node}`);
  });

  it('appends the wrapping app, with its version when given', () => {
    expect(userAgent({ name: 'acme-kyc' })).toBe(
      `unico-idcloud/${VERSION} node/${process.versions.node} acme-kyc`,
    );
    expect(userAgent({ name: 'acme-kyc', version: '2.3.1' })).toBe(
      `unico-idcloud/${VERSION} node/${process.versions.node} acme-kyc/2.3.1`,
    );
  });

  it('recognises Bun and Deno before Node (both also define process)', () => {
    const process = { versions: { node: '22.0.0' } };
    expect(agentWith({ Bun: { version: '1.2.3' }, process })).toBe(`unico-idcloud/${VERSION} bun/1.2.3`);
    expect(agentWith({ Deno: { version: { deno: '2.1.0' } }, process })).toBe(
      `unico-idcloud/${VERSION} deno/2.1.0`,
    );
  });

  it('says workerd on Cloudflare Workers and edge anywhere else without Node', () => {
    expect(agentWith({ navigator: { userAgent: 'Cloudflare-Workers' } })).toBe(
      `unico-idcloud/${VERSION} workerd`,
    );
    expect(agentWith({ navigator: { userAgent: 'Mozilla/5.0' } })).toBe(`unico-idcloud/${VERSION} edge`);
    expect(agentWith({ navigator: undefined })).toBe(`unico-idcloud/${VERSION} edge`);
    expect(agentWith({ process: { versions: {} }, navigator: undefined }, { name: 'x', version: '1' })).toBe(
      `unico-idcloud/${VERSION} edge x/1`,
    );
    expect(agentWith({ process: {}, navigator: {} })).toBe(`unico-idcloud/${VERSION} edge`);
  });
});
