import { describe, expect, it } from 'vitest';
import { isValidCpf, normalizeCpf } from '../../src/internal/cpf.js';

describe('normalizeCpf', () => {
  it('keeps a CPF given as 11 digits unchanged', () => {
    expect(normalizeCpf('52998224725')).toBe('52998224725');
  });

  it('strips the dots and dash of a CPF formatted as 000.000.000-00', () => {
    expect(normalizeCpf('529.982.247-25')).toBe('52998224725');
  });

  it.each([
    ['too few digits', '5299822472'],
    ['too many digits', '529982247251'],
    ['letters', '5299822472a'],
    ['surrounding spaces', ' 52998224725 '],
    ['a partially formatted CPF', '529982247-25'],
    ['a formatted CPF with the wrong separators', '529-982-247.25'],
    ['a formatted CPF with a trailing newline', '529.982.247-25\n'],
    ['a formatted CPF after a digit', '1529.982.247-25'],
    ['a formatted CPF after a letter', 'x529.982.247-25'],
    ['a formatted CPF before a digit', '529.982.247-251'],
    ['an empty string', ''],
  ])('returns undefined for %s', (_what, value) => {
    expect(normalizeCpf(value)).toBeUndefined();
  });
});

// Vectors computed apart from the code under test (by hand for the first digits, by a separate
// script for the rest), never by the code under test.
const VALID = [
  ['52998224725', 'remainders 2 and 5'],
  ['11144477735', 'remainders 3 and 5'],
  ['12345678909', 'a first remainder of 10, so a first check digit of 0'],
  ['39053344705', 'a first remainder of 10 and a nonzero second digit'],
  ['98765432100', 'a second remainder of 10, so a second check digit of 0'],
  ['10000002810', 'a second remainder of 10 after a nonzero first digit'],
  ['07113806007', 'a leading zero and a first remainder of 0'],
  ['27584635040', 'a second remainder of 0'],
  ['00000000191', 'nine leading zeros but one'],
  ['45217865377', 'equal check digits'],
] as const;

describe('isValidCpf', () => {
  it.each(VALID)('accepts %s (%s)', (cpf) => {
    expect(isValidCpf(cpf)).toBe(true);
  });

  it.each(VALID)('rejects %s with either check digit off by one', (cpf) => {
    const bump = (d: string) => String((Number(d) + 1) % 10);
    expect(isValidCpf(`${cpf.slice(0, 9)}${bump(cpf[9]!)}${cpf[10]}`)).toBe(false);
    expect(isValidCpf(`${cpf.slice(0, 10)}${bump(cpf[10]!)}`)).toBe(false);
  });

  it('rejects a CPF with one base digit changed', () => {
    expect(isValidCpf('52998224825')).toBe(false);
  });

  it('rejects two base digits swapped, which a plain digit sum would not notice', () => {
    expect(isValidCpf('59298224725')).toBe(false);
  });

  it.each(['00000000000', '11111111111', '22222222222', '55555555555', '99999999999'])(
    'rejects the repeated-digit number %s even though its check digits compute',
    (cpf) => {
      expect(isValidCpf(cpf)).toBe(false);
    },
  );

  it.each(['529.982.247-25', '5299822472', '529982247250', 'abcdefghijk', '', '5299822472a'])(
    'rejects %j, which is not 11 digits',
    (value) => {
      expect(isValidCpf(value)).toBe(false);
    },
  );
});

describe('check digits', () => {
  it.each(VALID)('only the two check digits of %s complete its first nine digits', (cpf) => {
    const suffixes = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
    const accepted = suffixes.filter((suffix) => isValidCpf(`${cpf.slice(0, 9)}${suffix}`));
    expect(accepted).toEqual([cpf.slice(9)]);
  });
});
