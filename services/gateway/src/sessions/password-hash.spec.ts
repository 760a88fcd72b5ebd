import { hashPassword, NO_PASSWORD_HASH, passwordMatches } from './password-hash';

describe('owner passwords', () => {
  it('are kept as salted scrypt hashes that only the same password matches', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$15\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(stored).not.toContain('horse');
    expect(await passwordMatches('correct horse battery staple', stored)).toBe(true);
    expect(await passwordMatches('correct horse battery stapler', stored)).toBe(false);
    expect(await hashPassword('correct horse battery staple')).not.toBe(stored);
  });

  it('read the same however the password’s accents were composed', async () => {
    expect(await passwordMatches('cafe\u0301 au lait 2026', await hashPassword('caf\u00e9 au lait 2026'))).toBe(true);
  });

  it('match nothing against the stand-in hash for unknown emails, nor against a malformed one', async () => {
    expect(await passwordMatches('', NO_PASSWORD_HASH)).toBe(false);
    expect(await passwordMatches('anything', 'plain-text')).toBe(false);
  });
});
