import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** What is stored: the key id (for rotation) and the sealed bytes, never the secret itself. */
export interface EncryptedSecret {
  keyId: string;
  /** base64 of iv (12 bytes) ‖ ciphertext ‖ auth tag (16 bytes). */
  sealed: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for credentials at rest (OAuth tokens, CalDAV passwords). Seals with the active
 * key; opens with whichever key of the ring sealed it, so keys can rotate without a migration.
 * `context` (e.g. the connection id) is bound as associated data: a sealed secret copied to
 * another row does not open there.
 */
export class CredentialCipher {
  constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    private readonly activeKeyId: string,
  ) {
    if (!keys.has(activeKeyId)) throw new Error(`the active credential key ${activeKeyId} is not in the key ring`);
  }

  seal(secret: string, context: string): EncryptedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeKeyId)!, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return { keyId: this.activeKeyId, sealed: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64') };
  }

  open(secret: EncryptedSecret, context: string): string {
    const key = this.keys.get(secret.keyId);
    if (!key) throw new Error(`credential key ${secret.keyId} is not in the key ring`);
    const bytes = Buffer.from(secret.sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }

  /** True when the secret was sealed with an older key and should be sealed again. */
  needsRotation(secret: EncryptedSecret): boolean {
    return secret.keyId !== this.activeKeyId;
  }
}

/** Reads "k1:<base64 of 32 bytes>,k2:<…>" (CREDENTIALS_ENCRYPTION_KEYS). */
export function parseKeyRing(text: string): Map<string, Buffer> {
  const ring = new Map<string, Buffer>();
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf(':');
    const id = entry.slice(0, separator);
    const key = Buffer.from(entry.slice(separator + 1), 'base64');
    if (separator < 1 || key.length !== 32)
      throw new Error(`each key must be "<id>:<base64 of 32 bytes>" (key ${id || '?'})`);
    ring.set(id, key);
  }
  if (!ring.size) throw new Error('no keys');
  return ring;
}
