import { z } from 'zod';

/** Token endpoint success body (spec §2.4). Unknown fields are tolerated. */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  // Integer seconds; a numeric string is tolerated since no verbatim example exists.
  expires_in: z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
    .pipe(z.number().int().positive()),
  // Casing of "Bearer" is undocumented: any string is accepted.
  token_type: z.string().optional(),
});

/** Token endpoint error body (spec §2.5). */
export const tokenErrorSchema = z.looseObject({
  error: z.string().optional(),
  error_description: z.string().optional(),
});
