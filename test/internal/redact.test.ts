import { describe, expect, it } from 'vitest';
import { scrubText } from '../../src/internal/redact.js';

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

  it('scrubs a known value of exactly three characters, such as a short name', () => {
    expect(scrubText('Nome Han não confere', ['Han'])).toBe('Nome [redacted] não confere');
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

  it.each([
    ['upper case', 'NOME LUKE SKYWALKER INVALIDO', 'Luke Skywalker'],
    ['lower case with a hyphen', 'nome luke-skywalker invalido', 'Luke Skywalker'],
    ['extra spaces', 'nome Luke   Skywalker', 'Luke Skywalker'],
    ['accents dropped by the server', 'nome JOAO DA CONCEICAO', 'João da Conceição'],
    ['accents added by the server', 'nome José', 'Jose'],
    ['an upper-cased e-mail', 'email LUKE@UNICO.IO invalido', 'luke@unico.io'],
    ['a formatted phone', 'telefone +55 (19) 72557-0707', '5519725570707'],
  ])('removes a value of the call echoed in another form: %s', (_case, text, value) => {
    const out = scrubText(text, [value]);
    expect(out).toContain('[redacted]');
    const letters = value
      .normalize('NFD')
      .replace(/\p{M}|[^\p{L}\p{N}]/gu, '')
      .toLowerCase();
    const outLetters = out
      .normalize('NFD')
      .replace(/\p{M}|[^\p{L}\p{N}]/gu, '')
      .toLowerCase();
    expect(outLetters).not.toContain(letters);
  });

  it('keeps the rest of the text, accents included', () => {
    expect(scrubText('Nome inválido: João', ['João'])).toBe('Nome inválido: [redacted]');
  });
});
