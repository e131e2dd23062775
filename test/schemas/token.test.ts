import { beforeEach, describe, expect, it, vi } from 'vitest';

// A fresh module for each test: the schemas are built on first use and cached (see input.test.ts).
let schemas: typeof import('../../src/schemas/token.js');
beforeEach(async () => {
  vi.resetModules();
  schemas = await import('../../src/schemas/token.js');
});

describe('tokenResponseSchema', () => {
  it.each<[string, unknown, number]>([
    ['a number', 3600, 3600],
    ['a numeric string', '3600', 3600],
    ['a one-digit string', '7', 7],
  ])('reads expires_in given as %s', (_what, expiresIn, seconds) => {
    const parsed = schemas.tokenResponseSchema.safeParse({ access_token: 'at', expires_in: expiresIn });
    expect(parsed.data).toEqual({ access_token: 'at', expires_in: seconds });
  });

  it('keeps token_type and unknown fields', () => {
    const body = { access_token: 'at', expires_in: 60, token_type: 'bearer', scope: 'x' };
    expect(schemas.tokenResponseSchema.safeParse(body).data).toEqual(body);
  });

  it.each<[string, Record<string, unknown>]>([
    ['no fields', {}],
    ['no access_token', { expires_in: 3600 }],
    ['an empty access_token', { access_token: '', expires_in: 3600 }],
    ['a numeric access_token', { access_token: 5, expires_in: 3600 }],
    ['no expires_in', { access_token: 'at' }],
    ['expires_in with a suffix', { access_token: 'at', expires_in: '3600s' }],
    ['expires_in with a prefix', { access_token: 'at', expires_in: 'in 3600' }],
    // Number() would read each of these as 3600: only the pattern keeps them out.
    ['expires_in with a trailing space', { access_token: 'at', expires_in: '3600 ' }],
    ['expires_in with a leading space', { access_token: 'at', expires_in: ' 3600' }],
    ['expires_in in exponent notation', { access_token: 'at', expires_in: '36e2' }],
    ['expires_in with a decimal point', { access_token: 'at', expires_in: '3600.0' }],
    ['expires_in as an empty string', { access_token: 'at', expires_in: '' }],
    ['expires_in as letters', { access_token: 'at', expires_in: 'soon' }],
    ['a negative expires_in', { access_token: 'at', expires_in: -1 }],
    ['a zero expires_in', { access_token: 'at', expires_in: 0 }],
    ['a fractional expires_in', { access_token: 'at', expires_in: 36.5 }],
    ['a fractional expires_in string', { access_token: 'at', expires_in: '36.5' }],
    ['a token_type that is not a string', { access_token: 'at', expires_in: 60, token_type: 1 }],
  ])('rejects a body with %s', (_what, body) => {
    expect(schemas.tokenResponseSchema.safeParse(body).success).toBe(false);
  });
});

describe('tokenErrorSchema', () => {
  it('reads error and error_description, and keeps unknown fields', () => {
    const body = { error: 'invalid_grant', error_description: '1.2.21', trace: 'x' };
    expect(schemas.tokenErrorSchema.safeParse(body).data).toEqual(body);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a numeric error', { error: 400 }],
    ['an object error_description', { error: 'invalid_grant', error_description: { code: '1.2.21' } }],
  ])('rejects %s, so no field of the wrong type reaches a TokenError', (_what, body) => {
    expect(schemas.tokenErrorSchema.safeParse(body).success).toBe(false);
  });
});
