import * as z from 'zod/mini';

/**
 * A schema built on its first use rather than at import (see `schemas/input.ts`); exposes only
 * `safeParse`, which is all the token exchange calls.
 */
function lazy<T extends z.ZodMiniType>(build: () => T): Pick<T, 'safeParse'> {
  let schema: T | undefined;
  return {
    safeParse: (data, params) => {
      schema ??= build();
      return schema.safeParse(data, params);
    },
  };
}

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
