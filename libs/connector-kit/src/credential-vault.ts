import { RpcError } from '@calldesk/contracts';
import { CredentialCipher, parseKeyRing, type EncryptedSecret } from '@calldesk/credentials';
import { z } from 'zod';

/**
 * The variables of a connector that keeps credentials. Optional so that a stack without them
 * still starts (e.g. `npm start` on a laptop); such an instance refuses to connect an account
 * rather than keep a secret in the clear.
 */
export const credentialsConfig = {
  /** "k1:<base64 of 32 bytes>,k2:<…>": the key ring; old keys stay until nothing uses them. */
  CREDENTIALS_ENCRYPTION_KEYS: z
    .string()
    .optional()
    .refine((value) => value === undefined || keyRingProblem(value) === null, {
      message: 'must be "<id>:<base64 of 32 bytes>", comma-separated',
    }),
  /** The key new secrets are sealed with. */
  CREDENTIALS_ACTIVE_KEY_ID: z.string().optional(),
};

export type CredentialsConfig = z.infer<z.ZodObject<typeof credentialsConfig>>;

/**
 * Seals a connection's credentials (any JSON value) at rest, bound to the connection id: AES-256-GCM
 * with the active key of the ring, the key id stored beside the sealed bytes for rotation.
 */
export class CredentialVault {
  private constructor(private readonly cipher?: CredentialCipher) {}

  static fromConfig(config: CredentialsConfig): CredentialVault {
    if (!config.CREDENTIALS_ENCRYPTION_KEYS) return new CredentialVault();
    const ring = parseKeyRing(config.CREDENTIALS_ENCRYPTION_KEYS);
    const active = config.CREDENTIALS_ACTIVE_KEY_ID ?? (ring.size === 1 ? [...ring.keys()][0] : undefined);
    if (!active) throw new Error('config: CREDENTIALS_ACTIVE_KEY_ID is required when the key ring has several keys');
    return new CredentialVault(new CredentialCipher(ring, active));
  }

  get configured(): boolean {
    return this.cipher !== undefined;
  }

  /** Throws `failed_precondition` when this instance has no key to seal credentials with. */
  assertConfigured(): void {
    this.require();
  }

  seal(value: unknown, connectionId: string): EncryptedSecret {
    return this.require().seal(JSON.stringify(value), connectionId);
  }

  open<T>(secret: EncryptedSecret, connectionId: string): T {
    return JSON.parse(this.require().open(secret, connectionId)) as T;
  }

  needsRotation(secret: EncryptedSecret): boolean {
    return this.require().needsRotation(secret);
  }

  private require(): CredentialCipher {
    if (!this.cipher) {
      throw new RpcError(
        'failed_precondition',
        'this connector has no credential encryption key (CREDENTIALS_ENCRYPTION_KEYS)',
        {
          reason: 'credentials_not_configured',
        },
      );
    }
    return this.cipher;
  }
}

function keyRingProblem(value: string): string | null {
  try {
    parseKeyRing(value);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
