/**
 * Classifies and checks `imageBase64` in a single pass over the string. Internal.
 *
 * The image is the largest thing the SDK touches (up to ~1.1 MB of text, unbounded for SDK
 * captures), so it is scanned exactly once: the scan validates the alphabet, which also proves
 * the string needs no JSON escaping, so the request body can splice it in without
 * `JSON.stringify` walking it again. The scan is one native regular-expression search for a
 * character outside the alphabet (irregexp compiles it to machine code: about a third of the cost
 * of a `charCodeAt` loop, and less than `JSON.stringify` of the same string); the character loop
 * runs only on failure, to say what and where the defect is.
 */

/** Which of the two documented image forms was sent (spec §3.3). */
export type ImageKind = 'sdk-capture' | 'plain-image';

/** Largest decoded plain image Unico accepts (800 KB), in bytes. */
export const MAX_PLAIN_IMAGE_BYTES = 800 * 1024;

export type ImageCheck =
  | { readonly ok: true; readonly kind: ImageKind; readonly decodedBytes: number | undefined }
  | { readonly ok: false; readonly message: string };

// 1 = standard base64 alphabet, 2 = base64url-only ("-", "_"), 4 = ".", 8 = "=".
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9]/.test(ch)) CLASS[c] = 1 | 2;
}
CLASS['+'.charCodeAt(0)] = 1;
CLASS['/'.charCodeAt(0)] = 1;
CLASS['-'.charCodeAt(0)] = 2;
CLASS['_'.charCodeAt(0)] = 2;
CLASS['.'.charCodeAt(0)] = 4;
CLASS['='.charCodeAt(0)] = 8;

const fail = (message: string): ImageCheck => ({ ok: false, message });

/**
 * Decides whether `image` is the capture SDK's `encrypted` payload (JWT-shaped, opaque, any size)
 * or a plain base64 PNG/JPEG/WebP (≤ 800 KB decoded, recognised by its first bytes).
 * @param image - the caller's `imageBase64`
 * @returns the kind, or a message that names the defect without quoting the image
 */
export function checkImage(image: string): ImageCheck {
  if (image.length === 0) return fail('is empty');
  if (image.startsWith('data:')) return fail('must be raw base64: remove the "data:...;base64," prefix');
  // A JWT's first segment is base64url JSON, so it starts with "eyJ" ('{"').
  return image.startsWith('eyJ') ? checkCapture(image) : checkPlain(image);
}

// Any character outside base64url and ".": the fast path's only pass over a capture.
const NOT_JWT = /[^A-Za-z0-9_.-]/;
// Any character outside standard base64 (padding is stripped before the search).
const NOT_BASE64 = /[^A-Za-z0-9+/]/;

function checkCapture(jwt: string): ImageCheck {
  if (NOT_JWT.test(jwt)) return describeCaptureDefect(jwt);
  // Compact JWS has 3 segments, compact JWE 5: count the dots, stopping at the sixth.
  let dots = 0;
  for (let at = jwt.indexOf('.'); at !== -1 && dots < 6; at = jwt.indexOf('.', at + 1)) dots++;
  if (dots !== 2 && dots !== 4)
    return fail('starts like an SDK capture (JWT) but does not have 3 or 5 segments');
  return { ok: true, kind: 'sdk-capture', decodedBytes: undefined };
}

/** Slow path, after the search found a bad character: which one, and where. */
function describeCaptureDefect(jwt: string): ImageCheck {
  for (let i = 0; i < jwt.length; i++) {
    const c = jwt.charCodeAt(i);
    const cls = c < 128 ? CLASS[c]! : 0;
    if (cls & 2 || cls === 4) continue;
    return fail(`starts like an SDK capture (JWT) but has a character not allowed in a JWT at position ${i}`);
  }
  return fail('starts like an SDK capture (JWT) but does not have 3 or 5 segments');
}

function checkPlain(b64: string): ImageCheck {
  const n = b64.length;
  let padding = 0;
  while (padding < 2 && padding < n && b64.charCodeAt(n - 1 - padding) === 61 /* = */) padding++;
  if (NOT_BASE64.test(padding === 0 ? b64 : b64.slice(0, n - padding))) return describePlainDefect(b64);
  if (n % 4 !== 0) return fail('is not valid base64: length is not a multiple of 4 (missing "=" padding?)');
  const decodedBytes = (n / 4) * 3 - padding;
  if (decodedBytes > MAX_PLAIN_IMAGE_BYTES) {
    return fail(`decodes to ${decodedBytes} bytes; Unico accepts at most ${MAX_PLAIN_IMAGE_BYTES} (800 KB)`);
  }
  if (detectImageFormat(b64) === undefined) {
    return fail('is not a PNG, JPEG or WebP image (checked by its first bytes)');
  }
  return { ok: true, kind: 'plain-image', decodedBytes };
}

/** Slow path, after the search found a bad character: which one, and where. */
function describePlainDefect(b64: string): ImageCheck {
  const n = b64.length;
  let padding = 0;
  for (let i = 0; i < n; i++) {
    const c = b64.charCodeAt(i);
    const cls = c < 128 ? CLASS[c]! : 0;
    if (cls & 1 && padding === 0) continue;
    if (cls === 8 && i >= n - 2) {
      padding++;
      continue;
    }
    if (c === 9 || c === 10 || c === 13 || c === 32)
      return fail('contains whitespace or line breaks; send unwrapped base64');
    return fail(`is not base64: unexpected character at position ${i}`);
  }
  return fail('is not base64');
}

/**
 * Recognises PNG, JPEG and WebP from the first 16 base64 characters.
 * @param b64 - base64 text
 * @returns the format, or `undefined`
 */
export function detectImageFormat(b64: string): 'png' | 'jpeg' | 'webp' | undefined {
  let head: string;
  try {
    // atob rather than Buffer: this file also runs on edge runtimes.
    head = atob(b64.slice(0, 16));
  } catch {
    return undefined;
  }
  if (head.startsWith('\xff\xd8\xff')) return 'jpeg';
  if (head.startsWith('\x89PNG\r\n\x1a\n')) return 'png';
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'webp';
  return undefined;
}
