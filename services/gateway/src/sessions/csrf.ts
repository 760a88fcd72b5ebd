import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The CSRF token of a session: derived from its secret token, so it is stored nowhere and no one
 * without the cookie can work it out. A page of ours reads it from the session's answer and sends
 * it as X-CSRF-Token; another site's form or script cannot read it, so its calls are refused.
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('calldesk csrf').digest('base64url');
}

export function csrfMatches(sessionToken: string, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  const expected = Buffer.from(csrfTokenOf(sessionToken));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
