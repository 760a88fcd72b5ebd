import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  Events,
  inboxPrefix,
  NATS_ROLES,
  natsPermissions,
  providerCallbackRpcs,
  Rpcs,
  subjectsOverlap,
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
    NATS_ROLES.filter((role) => natsPermissions(role).publish.some((allowed) => subjectsOverlap(allowed, subject)));
  const subscribers = (subject: string) =>
    NATS_ROLES.filter((role) => natsPermissions(role).subscribe.some((allowed) => subjectsOverlap(allowed, subject)));

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

  it("lets a service write to the inboxes of the roles that call it, and no other's", () => {
    const inboxWriters = (role: NatsRole) => publishers(`${inboxPrefix(role)}.reply`);
    // A reply sent after reconnecting to another server goes out under these grants.
    const connectors = ['connector-google', 'connector-microsoft', 'connector-caldav'];
    expect(inboxWriters('orchestrator')).toEqual(['availability', 'booking']);
    expect(inboxWriters('operator')).toEqual([...connectors, 'availability', 'routing']);
    expect(inboxWriters('booking')).toEqual([...connectors, 'availability', 'routing']);
    expect(inboxWriters('availability')).toEqual([...connectors, 'booking', 'routing']);
    expect(inboxWriters('routing')).toEqual(['booking']);
    expect(inboxWriters('notifications')).toEqual(['routing']);
    for (const connector of connectors) expect(inboxWriters(connector as NatsRole)).toEqual(['routing']);
    // The gateway asks every service's health.
    expect(inboxWriters('gateway')).toEqual(NATS_ROLES.filter((role) => !['orchestrator', 'operator'].includes(role)));
  });

  it('overlaps subject patterns as NATS matches them', () => {
    expect(subjectsOverlap('calendar.v1.bookings.*', 'calendar.v1.bookings.create')).toBe(true);
    expect(subjectsOverlap('calendar.v1.admin.>', 'calendar.v1.admin.members.*')).toBe(true);
    expect(subjectsOverlap('calendar.internal.*.health', 'calendar.internal.booking.health')).toBe(true);
    expect(subjectsOverlap('a.>', 'a')).toBe(false);
    expect(subjectsOverlap('a.*', 'a.b.c')).toBe(false);
    expect(subjectsOverlap('a.b', 'a.c')).toBe(false);
  });

  it.each(NATS_ROLES)('gives %s its own inbox and nobody else’s', (role: NatsRole) => {
    expect(natsPermissions(role).subscribe).toContain(`${inboxPrefix(role)}.>`);
    for (const other of NATS_ROLES) {
      if (other === role) continue;
      expect(
        natsPermissions(role).subscribe.filter((allowed) => subjectsOverlap(allowed, `${inboxPrefix(other)}.reply`)),
      ).toEqual([]);
    }
  });
});
