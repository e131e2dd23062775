import { imageSize } from './images.js';
import { apiError } from './responses.js';

// The emulator's own checks, written apart from the SDK's (src/internal): a bug in the SDK's
// checks must not be shared by the emulator it is tested against.

/** Unico's limit for a decoded plain image, 800 KB. */
const MAX_IMAGE_BYTES = 819_200;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A body that passed validation. */
export interface ValidBody {
  readonly cpf: string;
  readonly image: string;
  /** A plain image (no liveness check) rather than a capture. */
  readonly plainImage: boolean;
}

/**
 * Validates a CreateProcess body with the API's error codes. A capture is only classified here:
 * whether this emulator issued it is the caller's check.
 * @param body - the parsed JSON body
 * @returns an error response, or the fields the scenario needs
 */
export function validateBody(body: unknown): Response | ValidBody {
  if (typeof body !== 'object' || body === null) return apiError(400, '20003', 'Body ausente ou inválido');
  const { subject, imageBase64 } = body as { subject?: Record<string, unknown>; imageBase64?: unknown };
  if (typeof subject !== 'object' || subject === null) return apiError(400, '20004', 'subject ausente');
  if (!subject['code']) return apiError(400, '20005', 'subject.code ausente');
  if (!subject['name']) return apiError(400, '20006', 'subject.name ausente');
  if (typeof imageBase64 !== 'string' || imageBase64 === '')
    return apiError(400, '20009', 'imageBase64 ausente');
  const cpf = String(subject['code']);
  if (!isCpf(cpf)) return apiError(400, '20507', 'subject.code inválido');
  if (subject['gender'] !== undefined && !['M', 'F', ''].includes(String(subject['gender']))) {
    return apiError(400, '20508', 'subject.gender inválido');
  }
  if (subject['birthDate'] !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(subject['birthDate']))) {
    return apiError(400, '20019', 'subject.birthDate inválido');
  }
  if (imageBase64.startsWith('data:')) return apiError(400, '20505', 'Prefixo de imagem inválido');
  if (!looksLikeImage(imageBase64)) return { cpf, image: imageBase64, plainImage: false };
  return checkPlainImage(imageBase64) ?? { cpf, image: imageBase64, plainImage: true };
}

/**
 * Whether the first bytes are an image's (PNG, JPEG, WebP or GIF), read leniently so that a
 * damaged image still gets an image error: anything else is taken for an (opaque) capture.
 */
function looksLikeImage(b64: string): boolean {
  const head = Buffer.from(b64.slice(0, 24).replace(/[^A-Za-z0-9+/]/g, ''), 'base64').toString('latin1');
  return (
    head.startsWith('\x89PN') ||
    head.startsWith('\xff\xd8\xff') ||
    head.startsWith('GIF8') ||
    (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP')
  );
}

function checkPlainImage(b64: string): Response | undefined {
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) return apiError(400, '20900', 'Base64 inválido');
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length > MAX_IMAGE_BYTES) return apiError(400, '20506', 'Imagem maior que 800 KB');
  const size = imageSize(bytes);
  if (!size) return apiError(400, '20505', 'Formato de imagem não suportado');
  if (size.width < 640 || size.height < 480) return apiError(400, '20807', 'Resolução abaixo de 640x480');
  return undefined;
}

/** 11 digits, not all equal, whose two mod-11 check digits match. */
export function isCpf(code: string): boolean {
  if (!/^\d{11}$/.test(code) || /^(\d)\1*$/.test(code)) return false;
  const digits = Array.from(code, Number);
  const check = (length: number): number => {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += digits[i]! * (length + 1 - i);
    return ((sum * 10) % 11) % 10;
  };
  return check(9) === digits[9] && check(10) === digits[10];
}
