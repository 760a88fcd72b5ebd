import { randomUUID } from 'node:crypto';
import {
  Booking_Status,
  Connection_Status,
  Events,
  NotificationChannel,
  Rpcs,
  Service_Strategy,
} from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import {
  createTestDatabase,
  startFakeMessageProviders,
  startInProcessService,
  testNatsUrl,
  waitFor,
  type FakeMessageProviders,
  type InProcessService,
  type TestDatabase,
} from '@calldesk/testing';
import { DataSource } from 'typeorm';

jest.setTimeout(30_000);

describe('notifications (real NATS, Postgres, fake SMS and mail APIs)', () => {
  let database: TestDatabase;
  let routing: InProcessService;
  let notifications: InProcessService;
  let providers: FakeMessageProviders;
  let client: Bus;

  beforeAll(async () => {
    database = await createTestDatabase();
    providers = await startFakeMessageProviders();
    routing = await startInProcessService({ service: 'routing', databaseUrl: database.url });
    notifications = await startInProcessService({
      service: 'notifications',
      databaseUrl: database.url,
      env: { SMS_API_URL: providers.smsUrl, EMAIL_API_URL: providers.emailUrl, SMS_FROM: '+15550001111' },
    });
    client = await Bus.connect({ url: await testNatsUrl(), service: 'test-client', requestTimeoutMs: 10_000 });
  }, 60_000);
  afterAll(async () => {
    await client?.drain();
    await notifications?.close();
    await routing?.close();
    await providers?.stop();
    await database?.drop();
  });

  async function setup(owner: { email?: string; phone?: string; notifyBy?: NotificationChannel }) {
    const { tenant } = await client.request(Rpcs.tenantsCreate, {
      name: `t-${randomUUID()}`,
      timeZone: 'America/New_York',
    });
    const { member } = await client.request(Rpcs.membersCreate, { tenantId: tenant!.id, name: 'Sam', ...owner });
    const { service } = await client.request(Rpcs.servicesCreate, {
      tenantId: tenant!.id,
      name: 'AC repair',
      durationMinutes: 60,
      memberIds: [member!.id],
      strategy: Service_Strategy.specific,
    });
    const now = new Date().toISOString();
    const booking = {
      id: randomUUID(),
      tenantId: tenant!.id,
      serviceId: service!.id,
      memberId: member!.id,
      calendarId: 'cal-1',
      start: '2026-12-01T15:00:00Z',
      end: '2026-12-01T16:00:00Z',
      status: Booking_Status.confirmed,
      customer: { name: 'Ana Souza', phone: `+1415555${Math.floor(1000 + Math.random() * 8999)}` },
      createdAt: now,
      updatedAt: now,
    };
    return { tenantId: tenant!.id, member: member!, booking };
  }

  it('texts the customer and mails the owner once per booking event, even when the event comes again', async () => {
    const { booking } = await setup({ email: 'sam@example.com', notifyBy: NotificationChannel.email });
    const msgId = `booking:${booking.id}:confirmed:1`;
    await client.events.publish(Events.bookingConfirmed, booking, msgId);
    await client.events.publish(Events.bookingConfirmed, booking, msgId);
    await waitFor(() => providers.mails.some((m) => m.text.includes(booking.customer.phone)));
    const texts = providers.texts.filter((t) => t.to === booking.customer.phone);
    expect(texts).toEqual([
      {
        to: booking.customer.phone,
        from: '+15550001111',
        body: `Your AC repair with Sam is confirmed for Tue 1 Dec at 10:00 AM EST. Ref ${booking.id.slice(0, 8)}.`,
      },
    ]);
    expect(providers.mails.filter((m) => m.text.includes(booking.customer.phone))).toEqual([
      {
        to: 'sam@example.com',
        subject: 'New booking: AC repair, Tue 1 Dec at 10:00 AM EST',
        text: expect.stringContaining('Ana Souza'),
      },
    ]);
  });

  it('retries a provider that fails, sends once, and logs the delivery without its text', async () => {
    const { booking } = await setup({ phone: '+14155550199', notifyBy: NotificationChannel.sms });
    providers.failNext(1);
    await client.events.publish(
      Events.bookingCancelled,
      { ...booking, status: Booking_Status.cancelled, cancelReason: 'deleted_in_calendar' },
      randomUUID(),
    );
    await waitFor(
      () =>
        providers.texts.filter(
          (t) => t.body.includes(booking.id.slice(0, 8)) || t.body.includes(booking.customer.phone),
        ).length === 2,
      {
        timeoutMs: 10_000,
      },
    );
    const owner = providers.texts.find((t) => t.to === '+14155550199' && t.body.includes(booking.customer.phone))!;
    expect(owner.body).toContain('was cancelled because its event was deleted from your calendar');
    const deliveries = () =>
      notifications.app
        .get(DataSource)
        .query(`SELECT * FROM notifications.deliveries WHERE booking_id = $1 ORDER BY recipient_kind`, [booking.id]);
    // The provider has the texts a moment before the log says they were sent.
    await waitFor(async () => (await deliveries()).every((r: { status: string }) => r.status === 'sent'));
    const rows = await deliveries();
    expect(rows.map((r: { recipient_kind: string; status: string }) => [r.recipient_kind, r.status])).toEqual([
      ['customer', 'sent'],
      ['owner', 'sent'],
    ]);
    expect(rows.some((r: { attempts: number }) => r.attempts === 2)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('Ana Souza');
  });

  it('asks the owner to reconnect a calendar that needs reauthorization', async () => {
    const { tenantId, member } = await setup({ phone: '+14155550177', notifyBy: NotificationChannel.sms });
    await client.events.publish(
      Events.connectionStatus,
      {
        tenantId,
        memberId: member.id,
        connectionId: `google:${randomUUID()}`,
        provider: 'google',
        status: Connection_Status.needs_reauth,
      },
      randomUUID(),
    );
    await waitFor(() =>
      providers.texts.some((t) => t.to === '+14155550177' && t.body.includes('Google calendar connection')),
    );
  });
});
