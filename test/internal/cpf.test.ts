import { describe, expect, it } from 'vitest';
import { completeCpf, isValidCpf, normalizeCpf } from '../../src/internal/cpf.js';

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
    ['an empty string', ''],
  ])('returns undefined for %s', (_what, value) => {
    expect(normalizeCpf(value)).toBeUndefined();
  });
});

describe('isValidCpf', () => {
  it.each(['52998224725', '11144477735', '12345678909', '00000000191'])(
    'accepts %s, whose check digits match',
    (cpf) => {
      expect(isValidCpf(cpf)).toBe(true);
    },
  );

  it('rejects a CPF whose first check digit does not match', () => {
    expect(isValidCpf('52998224735')).toBe(false);
  });

  it('rejects a CPF whose second check digit does not match', () => {
    expect(isValidCpf('52998224726')).toBe(false);
  });

  it('rejects a CPF with one base digit changed', () => {
    expect(isValidCpf('52998224825')).toBe(false);
  });

  it.each(['00000000000', '11111111111', '22222222222', '55555555555', '99999999999'])(
    'rejects the repeated-digit number %s even though its check digits compute',
    (cpf) => {
      expect(isValidCpf(cpf)).toBe(false);
    },
  );

  it.each(['529.982.247-25', '5299822472', '529982247250', 'abcdefghijk', ''])(
    'rejects %j, which is not 11 digits',
    (value) => {
      expect(isValidCpf(value)).toBe(false);
    },
  );

  it('treats a first-digit remainder of 10 as a check digit of 0', () => {
    // 123456789: weighted sum 210, (210 * 10) % 11 = 10, so the first check digit is 0.
    expect(isValidCpf('12345678909')).toBe(true);
    expect(isValidCpf('12345678919')).toBe(false);
  });
});

describe('completeCpf', () => {
  it('appends the two check digits of a known CPF', () => {
    expect(completeCpf('529982247')).toBe('52998224725');
    expect(completeCpf('111444777')).toBe('11144477735');
    expect(completeCpf('123456789')).toBe('12345678909');
  });

  it('always produces a CPF that isValidCpf accepts', () => {
    for (let n = 100_000_000; n < 999_999_999; n += 7_654_321) {
      const base = String(n).padStart(9, '0');
      const cpf = completeCpf(base);
      expect(cpf).toMatch(/^\d{11}$/);
      expect(cpf.startsWith(base)).toBe(true);
      if (!/^(\d)\1{8}$/.test(base)) expect(isValidCpf(cpf)).toBe(true);
    }
  });
});
