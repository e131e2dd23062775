/** Keeps personal data and secrets out of server text that ends up on an error. Internal. */

const MAX_TEXT = 300;
// 11 digits, formatted or not, possibly inside longer text: a CPF-shaped number.
const CPF_LIKE = /\d{3}\.?\d{3}\.?\d{3}-?\d{2}/g;
// Long runs of base64/base64url/JWT characters: images, tokens, keys.
const BLOB_LIKE = /[A-Za-z0-9+/_=.-]{40,}/g;
const MARKS = /\p{M}/gu;
const NOT_ALNUM = /[^\p{L}\p{N}]/gu;

// Removes the call's values in any case, accents, spacing or punctuation ("LUKE@UNICO.IO"),
// CPF-shaped numbers and long blobs, then truncates (after, so a cut cannot let half a CPF through).
export function scrubText(text: string, known: readonly string[] = []): string {
  let out = text.normalize('NFD');
  for (const value of known) {
    const chars = [...value.normalize('NFD').replace(MARKS, '').replace(NOT_ALNUM, '')];
    if (chars.length < 3) continue;
    const pattern = chars.map((c) => `${c}\\p{M}*`).join('[^\\p{L}\\p{N}]*');
    out = out.replace(new RegExp(pattern, 'giu'), '[redacted]');
  }
  out = out.normalize('NFC').replace(BLOB_LIKE, '[redacted]').replace(CPF_LIKE, '[cpf]');
  return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT)}…` : out;
}
