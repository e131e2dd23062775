import { describe, expect, it } from 'vitest';
import { checkImage, detectImageFormat, MAX_PLAIN_IMAGE_BYTES } from '../../src/internal/image.js';

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

function expectFailure(image: string, pattern: RegExp): string {
  const result = checkImage(image);
  if (result.ok) throw new Error('expected checkImage to fail');
  expect(result.message).toMatch(pattern);
  expectNoImageContent(result.message, image);
  return result.message;
}

describe('checkImage: SDK captures', () => {
  it('accepts a 3-segment JWT (compact JWS) as an SDK capture without measuring it', () => {
    expect(checkImage(sdkCapture(3))).toEqual({ ok: true, kind: 'sdk-capture', decodedBytes: undefined });
  });

  it('accepts a 5-segment JWT (compact JWE) as an SDK capture', () => {
    expect(checkImage(sdkCapture(5))).toEqual({ ok: true, kind: 'sdk-capture', decodedBytes: undefined });
  });

  it('never size-limits an SDK capture: a 5 MB capture passes', () => {
    const capture = sdkCapture(5, (5 * 1024 * 1024) / 4);
    expect(capture.length).toBeGreaterThan(5 * 1024 * 1024);
    const result = checkImage(capture);
    expect(result).toEqual({ ok: true, kind: 'sdk-capture', decodedBytes: undefined });
  });

  it.each([2, 4, 6])('rejects a JWT-shaped string with %i segments', (segments) => {
    const capture = Array.from({ length: segments }, (_, i) =>
      i === 0 ? b64url('{"alg":"none"}') : 'abc',
    ).join('.');
    expectFailure(capture, /does not have 3 or 5 segments/);
  });

  it.each([
    ['a "+"', '+'],
    ['a "/"', '/'],
    ['"=" padding', '='],
    ['a space', ' '],
    ['a line break', '\n'],
    ['a quote', '"'],
    ['a non-ASCII letter', 'é'],
  ])('rejects an SDK capture containing %s and reports its position', (_what, bad) => {
    const good = sdkCapture(3);
    const at = 30;
    const capture = `${good.slice(0, at)}${bad}${good.slice(at)}`;
    expectFailure(capture, new RegExp(`character not allowed in a JWT at position ${at}$`));
  });
});

describe('checkImage: plain images', () => {
  it.each([
    ['PNG', PNG_HEADER],
    ['JPEG', JPEG_HEADER],
    ['WebP', WEBP_HEADER],
  ])('accepts a plain base64 %s and reports its decoded size', (_format, header) => {
    const image = imageB64(header, 1000);
    expect(checkImage(image)).toEqual({ ok: true, kind: 'plain-image', decodedBytes: 1000 });
  });

  it.each([300, 301, 302])('computes the decoded size of a %i-byte image from its padding', (size) => {
    const image = imageB64(PNG_HEADER, size);
    expect(checkImage(image)).toEqual({ ok: true, kind: 'plain-image', decodedBytes: size });
  });

  it('accepts a plain image of exactly 800 KB (800 * 1024 bytes)', () => {
    expect(MAX_PLAIN_IMAGE_BYTES).toBe(800 * 1024);
    const image = imageB64(JPEG_HEADER, 800 * 1024);
    expect(checkImage(image)).toEqual({ ok: true, kind: 'plain-image', decodedBytes: 800 * 1024 });
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

  it.each([
    ['a GIF', GIF_HEADER],
    ['a RIFF container that is not WebP', WAVE_HEADER],
    [
      'bytes with no known signature',
      [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b],
    ],
    ['a PNG signature with one byte changed', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0b]],
  ])('rejects %s by its first bytes', (_what, header) => {
    expectFailure(imageB64(header, 500), /^is not a PNG, JPEG or WebP image \(checked by its first bytes\)$/);
  });

  it('classifies as plain (not as a capture) a base64 string that does not start with "eyJ"', () => {
    // Base64 text in the JWT alphabet only, but without the JWT prefix: checked as a plain image.
    expectFailure('abcd.efgh.ijkl', /is not base64: unexpected character at position 4/);
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
    ['an empty string', ''],
    ['text that is not base64', '****not base64**'],
  ])('returns undefined for %s', (_what, b64) => {
    expect(detectImageFormat(b64)).toBeUndefined();
  });
});
