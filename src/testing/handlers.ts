import type { RequestHandler } from 'msw';
import { ENVIRONMENTS } from '../client/environment.js';
import type { Emulator } from './emulator.js';
import { http } from './msw.js';

/** Where the handlers are mounted. */
export interface HandlerUrls {
  /** @default the UAT API host */
  readonly apiBaseUrl?: string;
  /** @default the UAT token URL */
  readonly tokenUrl?: string;
  /** The `aud` assertions must carry. @default the origin of `tokenUrl` */
  readonly audience?: string;
}

/**
 * msw request handlers backed by an {@link Emulator}: the token endpoint and `/processes/v1`.
 *
 * msw cannot see requests sent by the `undici` package (which the SDK uses on Node), so to test
 * the SDK serve these handlers over a real socket with {@link startEmulatorServer}. Use them
 * directly with `setupServer` for code of yours that calls Unico through `fetch`.
 * @param emulator - the emulator that answers
 * @param urls - where to mount them (defaults: the UAT hosts)
 * @returns the handlers
 */
export function createHandlers(emulator: Emulator, urls: HandlerUrls = {}): RequestHandler[] {
  const apiBaseUrl = (urls.apiBaseUrl ?? ENVIRONMENTS.uat.apiBaseUrl).replace(/\/+$/, '');
  const tokenUrl = urls.tokenUrl ?? ENVIRONMENTS.uat.tokenUrl;
  const audience = urls.audience ?? new URL(tokenUrl).origin;
  return [
    http.post(tokenUrl, ({ request }) => emulator.handleToken(request, audience)),
    http.post(`${apiBaseUrl}/processes/v1`, ({ request }) => emulator.handleCreateProcess(request)),
    http.get(`${apiBaseUrl}/processes/v1/:id`, ({ request, params }) =>
      emulator.handleGetProcess(request, String(params['id'])),
    ),
  ];
}
