import type { Request } from 'express';

export const SESSION_COOKIE = 'calldesk_session';

/** The session token of a request's Cookie header, if it has one. */
export function sessionTokenOf(request: Request): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
}

/**
 * The Set-Cookie value that holds a session (or, with no token, ends it): out of scripts' reach,
 * not sent with cross-site subrequests or posts, and only over HTTPS except on this machine.
 */
export function sessionCookie(request: Request, token: string | undefined, maxAgeSeconds: number): string {
  const attributes = [
    `${SESSION_COOKIE}=${token ?? ''}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${token ? maxAgeSeconds : 0}`,
  ];
  if (!isLocal(request.hostname)) attributes.push('Secure');
  return attributes.join('; ');
}

function isLocal(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '[::1]' ||
    hostname === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname)
  );
}
