/** Keeps personal data and secrets out of server text that ends up on an error. Internal. */

const MAX_TEXT = 300;
// 11 digits, formatted or not, possibly inside longer text: a CPF-shaped number.
const CPF_LIKE = /\d{3}\.?\d{3}\.?\d{3}-?\d{2}/g;
// Long runs of base64/base64url/JWT characters: images, tokens, keys.
const BLOB_LIKE = /[A-Za-z0-9+/_=.-]{40,}/g;
const MARKS = /\p{M}/gu;
const NOT_ALNUM = /[^\p{L}\p{N}]/gu;

/**
 * Cleans server text before it goes on an error: removes every value of the call wherever it
 * appears — in any letter case, with or without accents, spacing or punctuation ("NOME LUKE
 * SKYWALKER", "LUKE@UNICO.IO", "+55 (19) 97255-70707") — CPF-shaped numbers and long opaque blobs,
 * and truncates. Scrubbing whole text before truncating, so a cut cannot let half a CPF through.
 * @param text - server-provided text
 * @param known - sensitive values of the current call
 * @returns text safe to keep on an error
 */
export function scrubText(text: string, known: readonly string[] = []): string {
  // Matched in decomposed form, each letter with or without accents; recomposed at the end.
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
