import { randomBytes } from 'node:crypto';
import { CredentialCipher, parseKeyRing } from '.';

const key = () => randomBytes(32).toString('base64');

describe('CredentialCipher', () => {
  const ring = parseKeyRing(`k1:${key()},k2:${key()}`);

  it('round-trips a secret without it appearing in what is stored', () => {
    const cipher = new CredentialCipher(ring, 'k1');
    const sealed = cipher.seal('refresh-token-1234567890', 'conn-1');
    expect(sealed.keyId).toBe('k1');
    expect(JSON.stringify(sealed)).not.toContain('refresh-token');
    expect(cipher.open(sealed, 'conn-1')).toBe('refresh-token-1234567890');
  });

  it('seals the same secret differently each time', () => {
    const cipher = new CredentialCipher(ring, 'k1');
    expect(cipher.seal('s', 'c').sealed).not.toBe(cipher.seal('s', 'c').sealed);
  });

  it('opens secrets sealed with an older key after rotation, and says they need sealing again', () => {
    const before = new CredentialCipher(ring, 'k1').seal('password', 'conn-1');
    const after = new CredentialCipher(ring, 'k2');
    expect(after.open(before, 'conn-1')).toBe('password');
    expect(after.needsRotation(before)).toBe(true);
  });

  it('refuses a secret moved to another connection or tampered with', () => {
    const cipher = new CredentialCipher(ring, 'k1');
    const sealed = cipher.seal('password', 'conn-1');
    expect(() => cipher.open(sealed, 'conn-2')).toThrow();
    const bytes = Buffer.from(sealed.sealed, 'base64');
    bytes[14] ^= 1;
    expect(() => cipher.open({ ...sealed, sealed: bytes.toString('base64') }, 'conn-1')).toThrow();
  });

  it('rejects a malformed key ring', () => {
    expect(() => parseKeyRing('k1:short')).toThrow(/32 bytes/);
    expect(() => parseKeyRing('')).toThrow(/no keys/);
    expect(() => new CredentialCipher(ring, 'k9')).toThrow(/k9/);
  });
});
