/** Helpers that keep personal data and secrets out of messages. Internal: never exported. */

const MAX_TEXT = 300;

/**
 * Masks a CPF down to its last two digits: `***.***.***-09`.
 * @param cpf - 11 digits
 * @returns the masked form, safe for logs
 */
export function maskCpf(cpf: string): string {
  return `***.***.***-${cpf.slice(-2)}`;
}

// 11 digits, formatted or not, possibly inside longer text: a CPF-shaped number.
const CPF_LIKE = /\d{3}\.?\d{3}\.?\d{3}-?\d{2}/g;
// Long runs of base64/base64url/JWT characters: images, tokens, keys.
const BLOB_LIKE = /[A-Za-z0-9+/_=.-]{40,}/g;

/**
 * Cleans text that came from a server before it goes into an error: removes every value the
 * caller sent (name, e-mail, ...), CPF-shaped numbers and long opaque blobs, and truncates.
 * @param text - server-provided text
 * @param known - sensitive values of the current call to remove wherever they appear
 * @returns text safe to show
 */
export function scrubText(text: string, known: readonly string[] = []): string {
  // Redact the whole text first: truncating first could cut a CPF in two and let its head through.
  let out = text;
  for (const value of known) {
    if (value.length >= 3) out = out.split(value).join('[redacted]');
  }
  out = out.replace(BLOB_LIKE, '[redacted]').replace(CPF_LIKE, '[cpf]');
  return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT)}…` : out;
}
