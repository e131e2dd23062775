import { describe, expect, it } from 'vitest';
import {
  checkImage,
  detectImageFormat,
  type ImageKind,
  MAX_PLAIN_IMAGE_BYTES,
} from '../../src/internal/image.js';

const PNG_HEADER = [
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
];
const JPEG_HEADER = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01];
// "RIFF" <little-endian size> "WEBP" "VP8 "
const WEBP_HEADER = [
  0x52, 0x49, 0x46, 0x46, 0x24, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x20,
];
const GIF_HEADER = [0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00];
// A RIFF container that is not WebP (a WAVE file).
const WAVE_HEADER = [
  0x52, 0x49, 0x46, 0x46, 0x24, 0x00, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20,
];

/** Base64 of `size` bytes starting with `header`; the rest is a repeating byte pattern. */
function imageB64(header: readonly number[], size: number): string {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  bytes.set(header.slice(0, size));
  return Buffer.from(bytes).toString('base64');
}

const b64url = (text: string): string => Buffer.from(text).toString('base64url');

/** A JWT-shaped string like the capture SDK's `encrypted` value. */
function sdkCapture(segments: 3 | 5, bodyChars = 64): string {
  const header = b64url(
    JSON.stringify(segments === 3 ? { alg: 'RS256', typ: 'JWT' } : { alg: 'RSA-OAEP', enc: 'A256GCM' }),
  );
  const body = 'Ab0_-'.repeat(Math.ceil(bodyChars / 5)).slice(0, bodyChars);
  return [header, ...Array.from({ length: segments - 1 }, () => body)].join('.');
}

/** Fails when any 12-character run of `message` also occurs in `image` (i.e. the message quotes it). */
function expectNoImageContent(message: string, image: string): void {
  expect(message.length).toBeLessThan(200);
  for (let i = 0; i + 12 <= message.length; i++) {
    const window = message.slice(i, i + 12);
    expect(image.includes(window), `message quotes the image: ${JSON.stringify(window)}`).toBe(false);
  }
}

function expectFailure(image: string, pattern: RegExp, declared?: ImageKind): string {
  const result = checkImage(image, declared);
  if (result.ok) throw new Error('expected checkImage to fail');
  expect(result.message).toMatch(pattern);
  expectNoImageContent(result.message, image);
  return result.message;
}

const CAPTURE = { ok: true, kind: 'sdk-capture' };
const PLAIN = { ok: true, kind: 'plain-image' };

describe('checkImage: anything that is not a plain image is an opaque SDK capture', () => {
  it.each([
    ['a 3-segment JWT (compact JWS)', sdkCapture(3)],
    ['a 5-segment JWT (compact JWE)', sdkCapture(5)],
    ['2 segments', `${b64url('{"alg":"none"}')}.abc`],
    ['4 segments', sdkCapture(5).split('.').slice(0, 4).join('.')],
    ['6 segments', `${sdkCapture(5)}.abc`],
    ['no dots', 'k3YabcDEFiv0123456789Q2lwaGVydGV4dA'],
    ['a "v2:" prefix', `v2:${sdkCapture(5)}`],
    ['standard base64 that is not an image', Buffer.from('not an image at all').toString('base64')],
    ['a GIF (only PNG, JPEG and WebP are recognised as plain images)', imageB64(GIF_HEADER, 300)],
    ['a quote, a backslash and a control character', 'abc"def\\ghi\u0001jkl'],
    ['non-ASCII text and a lone surrogate', 'captura-ção-\ud800-日本'],
    ['spaces and line breaks', 'eyJ0eXAiOiJKV1QifQ\n.eyJ9 .sig'],
  ])('accepts %s as an SDK capture', (_what, capture) => {
    expect(checkImage(capture)).toEqual(CAPTURE);
  });

  it('never size-limits an SDK capture: a 5 MB capture passes', () => {
    const capture = sdkCapture(5, (5 * 1024 * 1024) / 4);
    expect(capture.length).toBeGreaterThan(5 * 1024 * 1024);
    expect(checkImage(capture)).toEqual(CAPTURE);
  });

  it('sends anything non-empty as a capture when the caller declares imageKind "sdk-capture"', () => {
    const png = imageB64(PNG_HEADER, 100);
    for (const image of [
      png,
      `data:image/png;base64,${png}`,
      `${png}\n`,
      imageB64(JPEG_HEADER, 900 * 1024),
    ]) {
      expect(checkImage(image, 'sdk-capture')).toEqual(CAPTURE);
    }
    expect(checkImage('', 'sdk-capture')).toEqual({ ok: false, message: 'is empty' });
  });
});

describe('checkImage: imageKind "plain-image" requires a plain image', () => {
  it('accepts a plain image declared as one', () => {
    expect(checkImage(imageB64(WEBP_HEADER, 500), 'plain-image')).toEqual(PLAIN);
  });

  it.each([
    ['a GIF', imageB64(GIF_HEADER, 500)],
    ['a RIFF container that is not WebP', imageB64(WAVE_HEADER, 500)],
    ['bytes with no known signature', imageB64([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 500)],
    [
      'a PNG signature with one byte changed',
      imageB64([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0b], 500),
    ],
  ])('rejects %s by its first bytes', (_what, image) => {
    expectFailure(image, /^is not a PNG, JPEG or WebP image \(checked by its first bytes\)$/, 'plain-image');
  });

  it('rejects an SDK capture declared as a plain image, naming the first character outside base64', () => {
    const capture = sdkCapture(3);
    expectFailure(
      capture,
      new RegExp(`^is not base64: unexpected character at position ${capture.indexOf('.')}$`),
      'plain-image',
    );
  });
});

describe('checkImage: plain images', () => {
  it.each([
    ['PNG', PNG_HEADER],
    ['JPEG', JPEG_HEADER],
    ['WebP', WEBP_HEADER],
  ])('recognises a plain base64 %s by its first bytes', (_format, header) => {
    expect(checkImage(imageB64(header, 1000))).toEqual(PLAIN);
  });

  it.each([300, 301, 302])('accepts a %i-byte image, with 0, 2 or 1 "=" of padding', (size) => {
    expect(checkImage(imageB64(PNG_HEADER, size))).toEqual(PLAIN);
  });

  it('accepts a plain image of exactly 800 KB (800 * 1024 bytes)', () => {
    expect(MAX_PLAIN_IMAGE_BYTES).toBe(800 * 1024);
    const image = imageB64(JPEG_HEADER, 800 * 1024);
    expect(checkImage(image)).toEqual(PLAIN);
  });

  it('rejects a plain image one byte over 800 KB and says by how much', () => {
    const image = imageB64(JPEG_HEADER, 800 * 1024 + 1);
    expectFailure(image, /^decodes to 819201 bytes; Unico accepts at most 819200 \(800 KB\)$/);
  });

  it('rejects an image sent as a data: URI and asks for raw base64', () => {
    const image = `data:image/png;base64,${imageB64(PNG_HEADER, 100)}`;
    expectFailure(image, /must be raw base64: remove the "data:\.\.\.;base64," prefix/);
  });

  it('rejects a data: URI even when it wraps an SDK capture', () => {
    expectFailure(`data:application/jwt;base64,${sdkCapture(3)}`, /must be raw base64/);
  });

  it('rejects an empty string', () => {
    const result = checkImage('');
    expect(result).toEqual({ ok: false, message: 'is empty' });
  });

  it.each([
    ['line breaks every 76 characters (MIME wrapping)', '\n'],
    ['CRLF line breaks', '\r\n'],
    ['spaces', ' '],
  ])('rejects base64 wrapped with %s', (_what, separator) => {
    const flat = imageB64(PNG_HEADER, 600);
    const wrapped = flat.match(/.{1,76}/g)!.join(separator);
    expectFailure(wrapped, /contains whitespace or line breaks; send unwrapped base64/);
  });

  it('reports a tab as whitespace', () => {
    const flat = imageB64(PNG_HEADER, 300);
    expectFailure(`${flat.slice(0, 40)}\t${flat.slice(41)}`, /contains whitespace or line breaks/);
  });

  it('rejects a trailing newline', () => {
    expectFailure(`${imageB64(PNG_HEADER, 300)}\n`, /contains whitespace or line breaks/);
  });

  it.each([
    ['an asterisk', '*'],
    ['a base64url "-"', '-'],
    ['a base64url "_"', '_'],
    ['a non-ASCII letter', 'ç'],
    ['a quote', '"'],
  ])('rejects %s and reports its position', (_what, bad) => {
    const flat = imageB64(PNG_HEADER, 300);
    const image = `${flat.slice(0, 40)}${bad}${flat.slice(41)}`;
    expectFailure(image, /^is not base64: unexpected character at position 40$/);
  });

  it('rejects "=" padding in the middle of the string', () => {
    const flat = imageB64(PNG_HEADER, 300);
    const image = `${flat.slice(0, 20)}=${flat.slice(21)}`;
    expectFailure(image, /unexpected character at position 20/);
  });

  it('rejects data after the "=" padding', () => {
    const flat = imageB64(PNG_HEADER, 301); // ends with "=="
    expect(flat.endsWith('==')).toBe(true);
    const image = `${flat.slice(0, -1)}A`;
    expectFailure(image, new RegExp(`unexpected character at position ${flat.length - 1}`));
  });

  it('rejects three "=" of padding', () => {
    const flat = imageB64(PNG_HEADER, 301);
    expectFailure(`${flat.slice(0, -3)}===`, /unexpected character at position/);
  });

  it('rejects base64 whose padding was stripped', () => {
    const flat = imageB64(PNG_HEADER, 301);
    const stripped = flat.replace(/=+$/, '');
    expect(stripped.length % 4).not.toBe(0);
    expectFailure(stripped, /length is not a multiple of 4 \(missing "=" padding\?\)/);
  });

  it('rejects a plain image with a base64url "-" or "_" past its first bytes, whatever the decoder accepts', () => {
    const flat = imageB64(JPEG_HEADER, 3000);
    for (const bad of ['-', '_']) {
      expectFailure(
        `${flat.slice(0, 2000)}${bad}${flat.slice(2001)}`,
        /unexpected character at position 2000$/,
      );
    }
  });
});

/** Every UTF-16 code unit outside the standard base64 alphabet. */
const NON_ALPHABET = Array.from({ length: 0x10000 }, (_, c) => String.fromCharCode(c)).filter(
  (ch) => !/[A-Za-z0-9+/]/.test(ch),
);

describe.each([
  ['Node (Buffer)', false],
  ['portable (no Buffer, as on edge runtimes)', true],
])('checkImage, %s: every character outside base64 in a plain image is found', (_path, noBuffer) => {
  /** Runs `fn` with globalThis.Buffer removed when `noBuffer` (synchronously, then restored). */
  function run<T>(fn: () => T): T {
    const saved = globalThis.Buffer;
    if (noBuffer) Reflect.set(globalThis, 'Buffer', undefined);
    try {
      return fn();
    } finally {
      Reflect.set(globalThis, 'Buffer', saved);
    }
  }
  // 400 characters: short enough that 131,000 checks stay quick under mutation testing's instrumentation.
  const flat = imageB64(JPEG_HEADER, 300);

  it(`rejects each of the ${NON_ALPHABET.length} code units, replacing or inserted, and says where`, () => {
    const wrong: string[] = [];
    run(() => {
      for (const ch of NON_ALPHABET) {
        const at = 100 + (ch.charCodeAt(0) % 250);
        for (const image of [
          `${flat.slice(0, at)}${ch}${flat.slice(at + 1)}`,
          `${flat.slice(0, at)}${ch}${flat.slice(at)}`,
        ]) {
          const result = checkImage(image);
          const expected = /[\t\n\r ]/.test(ch)
            ? 'contains whitespace or line breaks; send unwrapped base64'
            : `is not base64: unexpected character at position ${at}`;
          if (result.ok || result.message !== expected) wrong.push(`U+${ch.charCodeAt(0).toString(16)}`);
        }
      }
    });
    expect(wrong).toEqual([]);
  });

  it('accepts valid plain images of every padding and size up to the limit', () => {
    const images = [12, 13, 14, 1000, 1001, 1002, MAX_PLAIN_IMAGE_BYTES].map((size) =>
      imageB64(PNG_HEADER, size),
    );
    expect(run(() => images.map((image) => checkImage(image)))).toEqual(images.map(() => PLAIN));
  });

  it.each([
    ['"=" in the middle', `${flat.slice(0, 20)}=${flat.slice(21)}`, /unexpected character at position 20$/],
    [
      'three "="',
      `${flat.slice(0, -4)}A===`,
      new RegExp(`unexpected character at position ${flat.length - 3}$`),
    ],
    [
      'data after "=="',
      `${flat.slice(0, -4)}AA=A`,
      new RegExp(`unexpected character at position ${flat.length - 1}$`),
    ],
    ['padding missing', flat.slice(0, -2), /length is not a multiple of 4/],
    ['one byte over 800 KB', imageB64(JPEG_HEADER, MAX_PLAIN_IMAGE_BYTES + 1), /^decodes to 819201 bytes/],
  ])('rejects %s', (_what, image, message) => {
    const result = run(() => checkImage(image));
    expect(result).toEqual({ ok: false, message: expect.stringMatching(message) });
  });
});

describe('detectImageFormat', () => {
  it.each([
    ['png', PNG_HEADER],
    ['jpeg', JPEG_HEADER],
    ['webp', WEBP_HEADER],
  ] as const)('recognises %s from its first bytes', (format, header) => {
    expect(detectImageFormat(imageB64(header, 64))).toBe(format);
  });

  it('recognises a PNG from its 8-byte signature alone', () => {
    expect(detectImageFormat(Buffer.from(PNG_HEADER.slice(0, 8)).toString('base64'))).toBe('png');
  });

  it('recognises the usual base64 prefixes "/9j/" (JPEG) and "iVBOR" (PNG)', () => {
    expect(detectImageFormat('/9j/4AAQSkZJRgABAQAAAQABAAD')).toBe('jpeg');
    expect(detectImageFormat('iVBORw0KGgoAAAANSUhEUgAA')).toBe('png');
  });

  it.each([
    ['a GIF', imageB64(GIF_HEADER, 64)],
    ['a WAVE file', imageB64(WAVE_HEADER, 64)],
    ['a truncated WebP header', Buffer.from(WEBP_HEADER.slice(0, 8)).toString('base64')],
    ['"WEBP" at byte 8 without RIFF', Buffer.from('RIFX\0\0\0\0WEBPVP8 ').toString('base64')],
    ['an empty string', ''],
    ['text that is not base64', '****not base64**'],
  ])('returns undefined for %s', (_what, b64) => {
    expect(detectImageFormat(b64)).toBeUndefined();
  });
});
