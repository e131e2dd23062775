/** A custom environment, for tests, the emulator and proxies. */
export interface CustomEnvironment {
  /** Base URL of the API, e.g. `https://api.id.uat.unico.app` (no `/processes/v1`). */
  readonly apiBaseUrl: string;
  /** Full URL of the token endpoint, e.g. `https://identityhomolog.acesso.io/oauth2/token`. */
  readonly tokenUrl: string;
  /** Assertion `aud`. @default the origin of `tokenUrl` (no trailing slash) */
  readonly audience?: string;
}

/** `'uat'`, `'production'`, or explicit URLs. */
export type Environment = 'uat' | 'production' | CustomEnvironment;

/** The resolved URLs the client talks to (`apiBaseUrl` without a trailing slash). @inline */
export type ResolvedEnvironment = Required<CustomEnvironment> & {
  /** `'uat'`, `'production'` or `'custom'`. */
  readonly name: string;
};

/** Unico's two environments (spec §1), for reference and egress allow-lists; frozen: clients hold them. */
export const ENVIRONMENTS: Readonly<Record<'uat' | 'production', ResolvedEnvironment>> = Object.freeze({
  uat: Object.freeze({
    name: 'uat',
    apiBaseUrl: 'https://api.id.uat.unico.app',
    tokenUrl: 'https://identityhomolog.acesso.io/oauth2/token',
    audience: 'https://identityhomolog.acesso.io',
  }),
  production: Object.freeze({
    name: 'production',
    apiBaseUrl: 'https://api.id.unico.app',
    tokenUrl: 'https://identity.acesso.io/oauth2/token',
    audience: 'https://identity.acesso.io',
  }),
});
