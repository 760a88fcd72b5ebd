import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  Events,
  inboxPrefix,
  NATS_ROLES,
  natsPermissions,
  providerCallbackRpcs,
  Rpcs,
  type NatsRole,
} from '@calldesk/contracts';
import {
  deployedNatsAuthorization,
  NATS_AUTH_COMMAND,
  natsServerAuthorization,
  passwordVariable,
} from './nats-server-auth';

const AUTH_FILE = path.resolve(__dirname, '..', '..', '..', 'deploy', 'nats', 'auth.conf');

describe('deploy/nats/auth.conf', () => {
  it('is what the permissions generate today', () => {
    const checkedIn = readFileSync(AUTH_FILE, 'utf8');
    if (checkedIn !== deployedNatsAuthorization()) {
      throw new Error(`deploy/nats/auth.conf is stale: run \`${NATS_AUTH_COMMAND}\` and commit the result`);
    }
  });

  it('takes every password from the environment, never from the file', () => {
    const conf = deployedNatsAuthorization();
    for (const role of NATS_ROLES) expect(conf).toContain(`password: $${passwordVariable(role)}\n`);
    expect(conf).not.toContain('password: "');
  });

  it('has a user besides the roles only where a test harness asks for one', () => {
    const users = (conf: string) => [...conf.matchAll(/user: "([^"]+)"/g)].map(([, user]) => user);
    const withHarness = natsServerAuthorization((role) => ({ value: `pw-${role}` }), {
      user: 'chaos-harness',
      password: 'secret',
    });
    expect(users(withHarness)).toEqual([...NATS_ROLES, 'chaos-harness']);
    expect(withHarness).toContain(
      'user: "chaos-harness"\n      password: "secret"\n      permissions: { publish: { allow: [">"] }, subscribe: { allow: [">"] } }',
    );
    expect(users(deployedNatsAuthorization())).toEqual([...NATS_ROLES]);
  });
});

describe('NATS permissions', () => {
  /** The roles whose publish (or subscribe) permissions let a message on `subject` through. */
  const publishers = (subject: string) =>
    NATS_ROLES.filter((role) => natsPermissions(role).publish.some((allowed) => covers(allowed, subject)));
  const subscribers = (subject: string) =>
    NATS_ROLES.filter((role) => natsPermissions(role).subscribe.some((allowed) => covers(allowed, subject)));

  it('lets no role hear everything, on the server or under calendar', () => {
    expect(subscribers('calendar.nobody.serves.this')).toEqual([]);
  });

  it('lets only booking publish booking events', () => {
    const bookingEvents = Object.values(Events)
      .map((event) => event.subject)
      .filter((subject) => subject.startsWith('calendar.v1.events.booking.') && !subject.endsWith('>'));
    expect(bookingEvents.length).toBeGreaterThan(0);
    for (const subject of bookingEvents) expect(publishers(subject)).toEqual(['booking']);
  });

  it('delivers CalDAV passwords to connector-caldav only', () => {
    expect(subscribers(Rpcs.connectionsConnect.subject)).toEqual(['connector-caldav']);
  });

  it('delivers OAuth codes to their own connector only', () => {
    expect(subscribers(providerCallbackRpcs('google').oauthCallback.subject)).toEqual(['connector-google']);
    expect(subscribers(providerCallbackRpcs('microsoft').oauthCallback.subject)).toEqual(['connector-microsoft']);
  });

  it('keeps the orchestrator to slots, bookings and holds', () => {
    for (const allowed of natsPermissions('orchestrator').publish) {
      expect(allowed).toMatch(/^calendar\.v1\.(slots|bookings|holds)\./);
    }
  });

  it.each(NATS_ROLES)('gives %s its own inbox and nobody else’s', (role: NatsRole) => {
    expect(natsPermissions(role).subscribe).toContain(`${inboxPrefix(role)}.>`);
    for (const other of NATS_ROLES) {
      if (other === role) continue;
      expect(
        natsPermissions(role).subscribe.filter((allowed) => covers(allowed, `${inboxPrefix(other)}.reply`)),
      ).toEqual([]);
    }
  });
});

/** Whether a permission subject (with NATS wildcards `*` and `>`) takes in a concrete subject. */
function covers(allowed: string, subject: string): boolean {
  const pattern = allowed.split('.');
  const tokens = subject.split('.');
  for (const [i, token] of pattern.entries()) {
    if (token === '>') return tokens.length > i;
    if (i >= tokens.length || (token !== '*' && token !== tokens[i])) return false;
  }
  return pattern.length === tokens.length;
}
