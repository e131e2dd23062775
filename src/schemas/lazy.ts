import type * as z from 'zod/mini';

/** A schema built on its first use, not at import: importing the SDK should cost close to nothing. */
export function lazy<T extends z.ZodMiniType>(build: () => T): Pick<T, 'safeParse'> {
  let schema: T | undefined;
  return {
    safeParse: (data, params) => {
      schema ??= build();
      return schema.safeParse(data, params);
    },
  };
}
