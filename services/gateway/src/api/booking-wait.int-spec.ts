import { RpcError } from '@calldesk/contracts';
import {
  at,
  customer,
  key,
  startInProcessHttpService,
  startStack,
  team,
  type InProcessHttpService,
  type Stack,
} from '@calldesk/testing';

const OPERATOR = `op-${'x'.repeat(40)}`;
// Short timeouts, so that slow providers cost seconds rather than minutes. An attempt at its
// slowest is 500 + 2 000 + 3 × 1 000 = 5 500 ms; the deadline leaves 2 000 ms beyond that and
// routing's answer, and the gateway waits 7 500 + 5 000 ms.
const NATS_REQUEST_TIMEOUT_MS = 1_000;
const DEADLINE_MS = 7_500;
const SETTINGS = { NATS_REQUEST_TIMEOUT_MS: String(NATS_REQUEST_TIMEOUT_MS), BOOKING_DEADLINE_MS: String(DEADLINE_MS) };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The gateway waits for a booking as long as booking may take over it: a slow provider write is
 * answered 201, not 504, and booking stops trying members when the deadline leaves no room for
 * another attempt, answering before the gateway gives up.
 */
describe('the gateway waiting for a booking', () => {
  let stack: Stack;
  let gateway: InProcessHttpService;

  beforeAll(async () => {
    stack = await startStack(1, { ...SETTINGS, BOOKING_LOCK_WAIT_MS: '500', PROVIDER_WRITE_TIMEOUT_MS: '2000' });
    gateway = await startInProcessHttpService({
      service: 'gateway',
      databaseUrl: stack.database.url,
      env: { ...SETTINGS, GATEWAY_ADMIN_TOKEN: OPERATOR },
    });
  }, 60_000);
  afterEach(() => {
    stack.connector.beforeCreate = undefined;
  });
  afterAll(async () => {
    await gateway?.close();
    await stack?.stop();
  }, 30_000);

  /** A team of `size` and an API key for it. */
  async function tenant(size: number) {
    const booked = await team(stack, { size });
    const response = await fetch(`${gateway.url}/v1/tenants/${booked.tenantId}/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'front desk' }),
    });
    return { ...booked, key: ((await response.json()) as { key: string }).key };
  }

  async function book(t: { key: string; serviceId: string }, start: string) {
    const response = await fetch(`${gateway.url}/v1/bookings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json', 'idempotency-key': key() },
      body: JSON.stringify({ serviceId: t.serviceId, start, customer }),
    });
    return { status: response.status, body: await response.json() };
  }

  it('answers 201 confirmed for a booking whose provider write outlasts the NATS request timeout', async () => {
    const t = await tenant(1);
    stack.connector.beforeCreate = () => sleep(NATS_REQUEST_TIMEOUT_MS + 500);
    const started = Date.now();
    const booked = await book(t, at(10));
    expect(Date.now() - started).toBeGreaterThan(NATS_REQUEST_TIMEOUT_MS);
    expect(booked).toMatchObject({
      status: 201,
      body: { outcome: 'confirmed', booking: { status: 'confirmed', memberId: t.members[0].id } },
    });
  });

  it('stops trying members once the deadline leaves no room for another attempt, and answers in time', async () => {
    const t = await tenant(3);
    const calendars = new Set(t.members.map((member) => member.bookingCalendarId));
    // Each write fails after 1.3 s: after one, 6.2 s are left (room for another attempt), after two 4.9 s (not).
    stack.connector.beforeCreate = async () => {
      await sleep(1_300);
      throw new RpcError('unavailable', 'the provider is down');
    };
    const started = Date.now();
    const refused = await book(t, at(11));
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS);
    expect(refused).toMatchObject({
      status: 503,
      body: { error: { code: 'unavailable', message: 'the provider is down' } },
    });
    const tried = stack.connector.writes
      .filter((write) => calendars.has(write.calendarId))
      .map((write) => write.calendarId);
    expect(new Set(tried).size).toBe(2);
    expect(tried).toHaveLength(2);
  });
});
