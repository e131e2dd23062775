// A plain image is recognised by its PNG, JPEG or WebP signature. Anything else is a capture, which
// Unico documents as opaque and of any size: never checked, so a new format cannot stop liveness calls.

/** Which of the two documented image forms was sent (spec §3.3). */
export type ImageKind = 'sdk-capture' | 'plain-image';

/** Largest decoded plain image Unico accepts, in bytes. */
export const MAX_PLAIN_IMAGE_BYTES = 800 * 1024;

export type ImageCheck =
  | { readonly ok: true; readonly kind: ImageKind }
  | { readonly ok: false; readonly message: string };

const fail = (message: string): ImageCheck => ({ ok: false, message });

/** The kind (`declared` overrides the detection), or the defect: a plain image is base64 of ≤ 800 KB. */
export function checkImage(image: string, declared?: ImageKind): ImageCheck {
  if (image.length === 0) return fail('is empty');
  if (declared === 'sdk-capture') return { ok: true, kind: 'sdk-capture' };
  if (image.startsWith('data:')) return fail('must be raw base64: remove the "data:...;base64," prefix');
  const recognised = detectImageFormat(image) !== undefined;
  if (!recognised && declared !== 'plain-image') return { ok: true, kind: 'sdk-capture' };
  const n = image.length;
  const padding = image.endsWith('==') ? 2 : image.endsWith('=') ? 1 : 0;
  const decodedBytes = (n / 4) * 3 - padding;
  if (n % 4 !== 0 || decodedBytes > MAX_PLAIN_IMAGE_BYTES || !isBase64(image, n - padding, decodedBytes)) {
    return describePlainDefect(image, decodedBytes);
  }
  if (!recognised) return fail('is not a PNG, JPEG or WebP image (checked by its first bytes)');
  return { ok: true, kind: 'plain-image' };
}

// A character Node's decoder would read by its low byte only ("Ł" as "A").
const WIDE = /[^\0-\xff]/;
// Outside base64 and "-" ("-" is then looked for apart: irregexp runs this class ~10x faster
// than the exact one, [^A-Za-z0-9+/]).
const NOT_BASE64_OR_DASH = /[^+\-/0-9A-Za-z]/;
let scratch: Buffer | undefined;

// Node's decoder skips non-base64 characters and stops at "=", so it decodes short exactly when one is
// there ("-" and "_", which it decodes too, are looked for apart): ~30 µs for 1 MB, not ~1 ms.
function isBase64(b64: string, end: number, decodedBytes: number): boolean {
  const NodeBuffer = globalThis.Buffer;
  if (NodeBuffer === undefined) {
    const body = end === b64.length ? b64 : b64.slice(0, end);
    return !NOT_BASE64_OR_DASH.test(body) && !body.includes('-');
  }
  // Kept between calls: a fresh 800 KB buffer per call costs more than the decode.
  scratch ??= NodeBuffer.allocUnsafeSlow(MAX_PLAIN_IMAGE_BYTES);
  return (
    !WIDE.test(b64) &&
    scratch.write(b64, 'base64') === decodedBytes &&
    !b64.includes('-') &&
    !b64.includes('_')
  );
}

function describePlainDefect(b64: string, decodedBytes: number): ImageCheck {
  const n = b64.length;
  let padded = false;
  for (let i = 0; i < n; i++) {
    const c = b64.charCodeAt(i);
    if (isBase64Char(c) && !padded) continue;
    // "=" only as the last one or two characters, and nothing after it.
    if (c === 61 && i >= n - 2) {
      padded = true;
      continue;
    }
    if (c === 9 || c === 10 || c === 13 || c === 32)
      return fail('contains whitespace or line breaks; send unwrapped base64');
    return fail(`is not base64: unexpected character at position ${i}`);
  }
  if (n % 4 !== 0) return fail('is not valid base64: length is not a multiple of 4 (missing "=" padding?)');
  if (decodedBytes <= MAX_PLAIN_IMAGE_BYTES) return fail('is not base64');
  return fail(`decodes to ${decodedBytes} bytes; Unico accepts at most ${MAX_PLAIN_IMAGE_BYTES} (800 KB)`);
}

const isBase64Char = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;

/** PNG, JPEG or WebP, recognised from the first 16 base64 characters. */
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
