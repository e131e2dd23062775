/** Hosts of each Unico environment (spec §1). */

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

/**
 * The resolved URLs the client talks to.
 * @inline
 */
export interface ResolvedEnvironment {
  /** `'uat'`, `'production'` or `'custom'`. */
  readonly name: string;
  /** Base URL of the API, without a trailing slash. */
  readonly apiBaseUrl: string;
  /** Full URL of the token endpoint. */
  readonly tokenUrl: string;
  /** The assertion's `aud`. */
  readonly audience: string;
}

/**
 * The hosts of Unico's two environments, as `environment: 'uat'` and `'production'` resolve them
 * (spec §1). Deeply frozen (clients hold these objects); for reference and for allow-listing egress.
 */
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
