import * as z from 'zod/mini';
import { lazy } from './lazy.js';

/** Token endpoint success body (spec §2.4). Unknown fields are tolerated. */
export const tokenResponseSchema = lazy(() =>
  z.looseObject({
    access_token: z.string().check(z.minLength(1)),
    // Integer seconds; a numeric string is tolerated since no verbatim example exists.
    expires_in: z.pipe(
      z.union([z.number(), z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number))]),
      z.number().check(z.int(), z.positive()),
    ),
    // Casing of "Bearer" is undocumented: any string is accepted.
    token_type: z.optional(z.string()),
  }),
);

/** Token endpoint error body (spec §2.5). */
export const tokenErrorSchema = lazy(() =>
  z.looseObject({
    error: z.optional(z.string()),
    error_description: z.optional(z.string()),
  }),
);
