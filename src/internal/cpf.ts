/** CPF helpers. Internal. */

const FORMATTED = /^\d{3}\.\d{3}\.\d{3}-\d{2}$/;
const DIGITS = /^\d{11}$/;

/**
 * Normalises a CPF given as 11 digits or as `ddd.ddd.ddd-dd` to its 11 digits.
 * @param value - the caller's CPF
 * @returns the digits, or `undefined` when the shape is neither form
 */
export function normalizeCpf(value: string): string | undefined {
  if (DIGITS.test(value)) return value;
  if (FORMATTED.test(value)) return value.replace(/\D/g, '');
  return undefined;
}

/**
 * Checks the two CPF check digits (mod 11) and rejects repeated-digit numbers such as 111.111.111-11.
 * @param digits - 11 digits
 * @returns whether the check digits match
 */
export function isValidCpf(digits: string): boolean {
  if (!DIGITS.test(digits) || /^(\d)\1{10}$/.test(digits)) return false;
  return checkDigit(digits, 9) === Number(digits[9]) && checkDigit(digits, 10) === Number(digits[10]);
}

function checkDigit(digits: string, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Number(digits[i]) * (length + 1 - i);
  const rest = (sum * 10) % 11;
  return rest === 10 ? 0 : rest;
}

/**
 * Completes 9 base digits into a valid CPF (test data only: test/reliability/properties.test.ts).
 * @param base - 9 digits
 * @returns 11 digits with valid check digits
 */
export function completeCpf(base: string): string {
  const first = checkDigit(base, 9);
  const withFirst = `${base}${first}`;
  return `${withFirst}${checkDigit(withFirst, 10)}`;
}
