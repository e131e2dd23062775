import { createRequire } from 'node:module';
import type * as Msw from 'msw';

/**
 * msw, an optional peer dependency, loaded synchronously rather than imported: a static import of a
 * missing package fails before any code runs, with a bare "Cannot find package 'msw'". On Node
 * ≥ 20.19 `require` gets msw's ESM build (its "module-sync" export), the one `import` gets, so
 * handlers made here work with the user's own `setupServer`.
 */
function loadMsw(): typeof Msw {
  // __filename in the CommonJS build, import.meta.url in the ESM one.
  const here = typeof __filename === 'string' ? __filename : import.meta.url;
  try {
    return createRequire(here)('msw') as typeof Msw;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error(
        'unico-idcloud/testing serves its emulator through msw, which is not installed: run `npm i -D msw` (msw >= 2.15)',
        { cause: error },
      );
    }
    throw error;
  }
}

export const { http, getResponse } = loadMsw();
