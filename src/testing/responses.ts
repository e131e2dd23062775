import type { InjectedResponse } from './options.js';

/** A JSON response with the headers Unico sends. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      date: new Date().toUTCString(),
      ...headers,
    },
  });
}

/** The API's error shape: `{ error: { code, description } }`. */
export function apiError(
  status: number,
  code: string,
  description: string,
  headers: Record<string, string> = {},
): Response {
  return json(status, { error: { code, description } }, headers);
}

/** An answer queued with `emulator.inject()`; a string body is sent as is. */
export function respond(injected: InjectedResponse): Response {
  const body = typeof injected.body === 'string' ? injected.body : JSON.stringify(injected.body ?? {});
  return new Response(body, {
    status: injected.status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...injected.headers },
  });
}
