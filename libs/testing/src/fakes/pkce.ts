import { createHash } from 'node:crypto';

/** The code_challenge an authorization request carried (RFC 7636), kept with the code it earned. */
export interface CodeChallenge {
  challenge: string;
  method: 'plain' | 'S256';
}

/**
 * The code_challenge of an authorization request's query as Google and Microsoft read it: no
 * challenge is no PKCE, a challenge without a method is `plain`, and a method other than `plain`
 * or `S256` (or one without a challenge) is a malformed request.
 */
export function readCodeChallenge(query: Record<string, string>): CodeChallenge | undefined | 'invalid' {
  const { code_challenge: challenge, code_challenge_method: method = 'plain' } = query;
  if (challenge === undefined) return query.code_challenge_method === undefined ? undefined : 'invalid';
  if (method !== 'plain' && method !== 'S256') return 'invalid';
  return { challenge, method };
}

/** Whether `verifier` is the one `challenge` was made from (and well formed: 43 to 128 unreserved characters). */
export function verifierMatches(challenge: CodeChallenge, verifier: string): boolean {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
  const made = challenge.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return made === challenge.challenge;
}
