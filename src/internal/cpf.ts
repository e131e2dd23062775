/** CPF helpers. Internal. */

const FORMATTED = /^\d{3}\.\d{3}\.\d{3}-\d{2}$/;
const DIGITS = /^\d{11}$/;

/** A CPF given as 11 digits or as `ddd.ddd.ddd-dd`, as its 11 digits; `undefined` for any other shape. */
export function normalizeCpf(value: string): string | undefined {
  if (FORMATTED.test(value)) return value.replace(/\D/g, '');
  return DIGITS.test(value) ? value : undefined;
}

/** Whether both check digits (mod 11) match; repeated-digit numbers such as 111.111.111-11 are invalid. */
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
