import type { Request } from 'express';
import { csrfMatches, csrfTokenOf } from './csrf';
import { sessionCookie, sessionTokenOf } from './session-cookie';

const request = (headers: Record<string, string>, hostname = 'localhost') =>
  ({ headers, hostname }) as unknown as Request;

describe('the session cookie', () => {
  it('is found among other cookies', () => {
    expect(sessionTokenOf(request({ cookie: 'theme=dark; calldesk_session=cds_abc=; lang=en' }))).toBe('cds_abc=');
    expect(sessionTokenOf(request({ cookie: 'calldesk_session=' }))).toBeUndefined();
    expect(sessionTokenOf(request({}))).toBeUndefined();
  });

  it('is httpOnly and SameSite=Lax, Secure except on this machine, and ended by an empty one', () => {
    expect(sessionCookie(request({}, '127.0.0.1'), 'cds_t', 3600)).toBe(
      'calldesk_session=cds_t; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600',
    );
    expect(sessionCookie(request({}, 'calldesk.example.com'), 'cds_t', 60)).toBe(
      'calldesk_session=cds_t; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure',
    );
    expect(sessionCookie(request({}, 'localhost'), undefined, 60)).toBe(
      'calldesk_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0',
    );
  });
});

describe('the CSRF token', () => {
  it('matches only the session it was derived from', () => {
    const token = csrfTokenOf('cds_one');
    expect(csrfMatches('cds_one', token)).toBe(true);
    expect(csrfMatches('cds_two', token)).toBe(false);
    expect(csrfMatches('cds_one', undefined)).toBe(false);
    expect(csrfMatches('cds_one', [token, token])).toBe(false);
    expect(csrfMatches('cds_one', token.slice(1))).toBe(false);
  });
});
