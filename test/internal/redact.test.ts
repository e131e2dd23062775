import { describe, expect, it } from 'vitest';
import { maskCpf, scrubText } from '../../src/internal/redact.js';

describe('maskCpf', () => {
  it('keeps only the last two digits of the CPF', () => {
    expect(maskCpf('52998224725')).toBe('***.***.***-25');
  });

  it('never contains the first nine digits', () => {
    const masked = maskCpf('12345678909');
    expect(masked).toBe('***.***.***-09');
    expect(masked.replace(/\D/g, '')).toBe('09');
  });
});

describe('scrubText', () => {
  it('returns ordinary server text unchanged', () => {
    expect(scrubText('Imagem inválida: formato não suportado')).toBe(
      'Imagem inválida: formato não suportado',
    );
  });

  it('removes every occurrence of each value the caller sent', () => {
    const out = scrubText('Nome Maria da Silva não confere; e-mail maria@example.com; Maria da Silva', [
      'Maria da Silva',
      'maria@example.com',
    ]);
    expect(out).toBe('Nome [redacted] não confere; e-mail [redacted]; [redacted]');
  });

  it('ignores known values shorter than three characters, which would shred ordinary text', () => {
    expect(scrubText('Lia is at li', ['Li', 'li'])).toBe('Lia is at li');
  });

  it('applies known values only when given', () => {
    expect(scrubText('Maria da Silva')).toBe('Maria da Silva');
  });

  it.each([
    ['digits', 'CPF 52998224725 inválido'],
    ['formatted', 'CPF 529.982.247-25 inválido'],
    ['partially formatted', 'CPF 529982247-25 inválido'],
  ])('replaces a CPF-shaped number written as %s', (_form, text) => {
    expect(scrubText(text)).toBe('CPF [cpf] inválido');
  });

  it('replaces a CPF-shaped number even when it is not among the known values', () => {
    const out = scrubText('subject.code=11144477735', ['52998224725']);
    expect(out).not.toContain('11144477735');
    expect(out).toContain('[cpf]');
  });

  it('replaces long opaque runs such as images, tokens and JWTs', () => {
    const jwt = `eyJhbGciOiJSUzI1NiJ9.${'a'.repeat(60)}.${'b_-'.repeat(20)}`;
    const image = `/9j/4AAQSkZJRgABAQ${'A'.repeat(100)}==`;
    const out = scrubText(`token ${jwt} image ${image} end`);
    expect(out).toBe('token [redacted] image [redacted] end');
  });

  it('leaves a 39-character run alone and redacts a 40-character one', () => {
    const short = 'x'.repeat(39);
    const long = 'y'.repeat(40);
    expect(scrubText(`${short} ${long}`)).toBe(`${short} [redacted]`);
  });

  it('does not truncate text of exactly 300 characters', () => {
    const text = 'word '.repeat(60);
    expect(text).toHaveLength(300);
    expect(scrubText(text)).toBe(text);
  });

  it('truncates text longer than 300 characters and marks the cut', () => {
    const text = 'word '.repeat(61);
    const out = scrubText(text);
    expect(out).toHaveLength(301);
    expect(out.endsWith('…')).toBe(true);
    expect(out.slice(0, 300)).toBe(text.slice(0, 300));
  });

  it('keeps its output short for a very large server body', () => {
    const out = scrubText('erro '.repeat(100_000));
    expect(out.length).toBeLessThanOrEqual(301);
  });

  it('removes a known value that sits beyond the 300-character display limit before shortening', () => {
    const text = `${'a '.repeat(100)}Maria da Silva ${'b '.repeat(200)}`;
    const out = scrubText(text, ['Maria da Silva']);
    expect(out).not.toContain('Maria');
  });

  // Regression: truncating before redacting cut a CPF in two and let its head through.
  it('never leaks the leading digits of a CPF cut by the pre-truncation at 1200 characters', () => {
    const text = `${'A'.repeat(1000)} ${'ab '.repeat(63)} 52998224725 tail`;
    const out = scrubText(text, ['52998224725']);
    expect(out).not.toContain('529982247');
  });
});
