import { forbiddenCharacter, oneLine } from './text';

describe('text', () => {
  it('names the first forbidden character, and lets notes break lines with LF and TAB only', () => {
    expect(forbiddenCharacter('Ana María')).toBeNull();
    expect(forbiddenCharacter('a\tb\rc')).toBe('U+0009');
    expect(forbiddenCharacter('a\n\tb', true)).toBeNull();
    expect(forbiddenCharacter('a\n\tb\rc', true)).toBe('U+000D');
  });

  it('puts a provider’s lines on one line', () => {
    expect(oneLine('AADSTS65004: User declined.\r\nTrace ID: 42\r\n')).toBe('AADSTS65004: User declined. Trace ID: 42');
  });
});
