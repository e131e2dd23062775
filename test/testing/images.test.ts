import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { imageSize } from '../../src/testing/images.js';
import { createSamplePng } from '../../src/testing/index.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface PngChunk {
  readonly type: string;
  readonly data: Buffer;
  readonly crc: number;
  readonly computedCrc: number;
}

/** Splits a PNG after its signature into chunks, checking each length fits. */
function pngChunks(png: Buffer): PngChunk[] {
  const chunks: PngChunk[] = [];
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const typeAndData = png.subarray(offset + 4, offset + 8 + length);
    expect(offset + 12 + length).toBeLessThanOrEqual(png.length);
    chunks.push({
      type: typeAndData.toString('latin1', 0, 4),
      data: typeAndData.subarray(4),
      crc: png.readUInt32BE(offset + 8 + length),
      computedCrc: crc32(typeAndData),
    });
    offset += 12 + length;
  }
  return chunks;
}

describe('createSamplePng', () => {
  it.each([
    [640, 480],
    [320, 240],
    [1, 1],
    [7, 3],
  ])('builds a decodable %ix%i RGB PNG', (width, height) => {
    const png = Buffer.from(createSamplePng(width, height), 'base64');
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);

    const chunks = pngChunks(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    for (const c of chunks) expect(c.crc).toBe(c.computedCrc);

    const ihdr = chunks[0]!.data;
    expect(ihdr).toHaveLength(13);
    expect(ihdr.readUInt32BE(0)).toBe(width);
    expect(ihdr.readUInt32BE(4)).toBe(height);
    expect([...ihdr.subarray(8)]).toEqual([8, 2, 0, 0, 0]); // 8-bit RGB, deflate, filter 0, no interlace

    const raw = inflateSync(chunks[1]!.data);
    expect(raw).toHaveLength(height * (1 + 3 * width));
    for (let row = 0; row < height; row++) expect(raw[row * (1 + 3 * width)]).toBe(0); // filter: none
    expect(chunks[2]!.data).toHaveLength(0);
  });

  it('defaults to 640x480, the smallest size Unico accepts', () => {
    const png = Buffer.from(createSamplePng(), 'base64');
    expect(png.readUInt32BE(16)).toBe(640);
    expect(png.readUInt32BE(20)).toBe(480);
  });

  it('returns raw base64 without a data: prefix, under 800 KB', () => {
    const b64 = createSamplePng();
    expect(b64).toMatch(/^iVBORw0KGgo[A-Za-z0-9+/]*={0,2}$/);
    expect(b64.length % 4).toBe(0);
    expect(Buffer.from(b64, 'base64').length).toBeLessThan(800 * 1024);
  });
});

/** A JPEG: SOI, the given segments, then EOI. */
function jpeg(...segments: number[][]): Buffer {
  return Buffer.from([0xff, 0xd8, ...segments.flat(), 0xff, 0xd9]);
}

const APP0 = [
  0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00,
];

/** A start-of-frame segment (3 components) with the given marker and size. */
function sof(marker: number, width: number, height: number): number[] {
  return [
    0xff,
    marker,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x03,
    0x01,
    0x22,
    0x00,
    0x02,
    0x11,
    0x01,
    0x03,
    0x11,
    0x01,
  ];
}

/** A DHT segment whose first bytes would read as a 0x1234 x 0x5678 frame if mistaken for SOF. */
const DHT = [0xff, 0xc4, 0x00, 0x0a, 0x00, 0x56, 0x78, 0x12, 0x34, 0x00, 0x00, 0x00];

/** "RIFF" <size> "WEBP" <fourcc> <chunk size> then `payload`, padded to at least 30 bytes. */
function webp(fourcc: string, payload: number[]): Buffer {
  const body = Buffer.alloc(Math.max(payload.length, 10));
  Buffer.from(payload).copy(body);
  const out = Buffer.concat([
    Buffer.from('RIFF'),
    Buffer.alloc(4),
    Buffer.from('WEBP'),
    Buffer.from(fourcc),
    Buffer.alloc(4),
    body,
  ]);
  out.writeUInt32LE(out.length - 8, 4);
  out.writeUInt32LE(body.length, 16);
  return out;
}

function le24(value: number): number[] {
  return [value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff];
}

function vp8x(width: number, height: number): Buffer {
  return webp('VP8X', [0x10, 0, 0, 0, ...le24(width - 1), ...le24(height - 1)]);
}

/** A lossy VP8 key frame header; `scale` sets the two upscaling bits above each 14-bit size. */
function vp8(width: number, height: number, scale = 0): Buffer {
  const w = width | (scale << 14);
  const h = height | (scale << 14);
  return webp('VP8 ', [0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a, w & 0xff, w >> 8, h & 0xff, h >> 8]);
}

/** A lossless VP8L header: signature 0x2f then 14-bit width-1, 14-bit height-1, alpha bit, version. */
function vp8l(width: number, height: number, alpha = false): Buffer {
  const bits = ((width - 1) | ((height - 1) << 14) | ((alpha ? 1 : 0) << 28)) >>> 0;
  const packed = Buffer.alloc(4);
  packed.writeUInt32LE(bits, 0);
  return webp('VP8L', [0x2f, ...packed]);
}

describe('imageSize', () => {
  it('reads the size of a PNG from its IHDR', () => {
    expect(imageSize(Buffer.from(createSamplePng(800, 600), 'base64'))).toEqual({ width: 800, height: 600 });
    expect(imageSize(Buffer.from(createSamplePng(1, 2), 'base64'))).toEqual({ width: 1, height: 2 });
  });

  it('reads the size of a JPEG from an SOF0 segment that follows an APP0 segment', () => {
    expect(imageSize(jpeg(APP0, sof(0xc0, 640, 480)))).toEqual({ width: 640, height: 480 });
    expect(imageSize(jpeg(APP0, sof(0xc0, 4032, 3024)))).toEqual({ width: 4032, height: 3024 });
  });

  it('reads the size of a progressive JPEG (SOF2)', () => {
    expect(imageSize(jpeg(APP0, sof(0xc2, 1024, 768)))).toEqual({ width: 1024, height: 768 });
  });

  it('skips a DHT segment (0xC4) before the frame header instead of reading it as one', () => {
    expect(imageSize(jpeg(APP0, DHT, sof(0xc0, 700, 500)))).toEqual({ width: 700, height: 500 });
  });

  it('returns undefined for a JPEG without a frame header', () => {
    expect(imageSize(jpeg(APP0, [0xff, 0xda, 0x00, 0x08, 1, 2, 3, 4, 5, 6]))).toBeUndefined();
    expect(imageSize(jpeg(APP0))).toBeUndefined();
  });

  it('returns undefined for a JPEG whose segments are not aligned on 0xFF markers', () => {
    expect(
      imageSize(Buffer.from([0xff, 0xd8, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99])),
    ).toBeUndefined();
  });

  it('reads the canvas size of a WebP VP8X header', () => {
    expect(imageSize(vp8x(1920, 1080))).toEqual({ width: 1920, height: 1080 });
    expect(imageSize(vp8x(16_777_216, 1))).toEqual({ width: 16_777_216, height: 1 });
  });

  it('reads the frame size of a lossy WebP VP8 header, ignoring the scaling bits', () => {
    expect(imageSize(vp8(640, 480))).toEqual({ width: 640, height: 480 });
    expect(imageSize(vp8(1000, 750, 3))).toEqual({ width: 1000, height: 750 });
  });

  it('reads the size of a lossless WebP VP8L header', () => {
    expect(imageSize(vp8l(640, 480))).toEqual({ width: 640, height: 480 });
    expect(imageSize(vp8l(16_384, 16_384, true))).toEqual({ width: 16_384, height: 16_384 });
    expect(imageSize(vp8l(1, 12_345))).toEqual({ width: 1, height: 12_345 });
  });

  it.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['text', Buffer.from('this is not an image at all, just some text')],
    ['a GIF', Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(40)])],
    ['a truncated PNG', Buffer.from(createSamplePng(), 'base64').subarray(0, 20)],
    ['a RIFF WAVE file', Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '), Buffer.alloc(30)])],
    ['a WebP with an unknown chunk', webp('ALPH', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])],
    ['a lone JPEG SOI', Buffer.from([0xff, 0xd8])],
  ])('returns undefined for %s', (_label, bytes) => {
    expect(imageSize(bytes)).toBeUndefined();
  });
});
