import { createHash, randomBytes } from 'node:crypto';

/** Proof Key for Code Exchange (RFC 7636, S256): the verifier stays with us, the challenge goes in the authorization URL. */
export interface Pkce {
  verifier: string;
  challenge: string;
}

/** A new verifier of 256 random bits (43 characters, the shortest RFC 7636 allows) and its S256 challenge. */
export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
