import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { TestConnector } from '@calldesk/testing';
import { REALISTIC_LATENCY, RealisticProvider, type Weather } from './realistic-provider';

/**
 * The chaos run's provider connector, a process of its own like the real connectors: the test
 * connector (the connector contract over NATS, calendars in memory) with a realistic provider
 * behind it. The harness steers it over HTTP on loopback (CONTROL_PORT), which keeps working
 * while NATS is down: it connects members, lets owners add events, sets the weather, holds event
 * writes, and reads back every event the provider has.
 */
async function main(): Promise<void> {
  // It connects as Google's connector, with that role's permissions, and answers its subjects.
  const connector = await TestConnector.start('google', {
    user: process.env.NATS_USER,
    password: process.env.NATS_PASSWORD,
  });
  const provider = new RealisticProvider(REALISTIC_LATENCY, (message, fields) => log('warn', message, fields));
  connector.providerCalls = provider;
  const hold = new WriteHold();
  connector.afterCreate = (write) => hold.pass(write.bookingId);

  const routes: Record<string, (body: any) => Promise<unknown> | unknown> = {
    'POST /members': async ({
      tenantId,
      memberId,
      busy,
    }: {
      tenantId: string;
      memberId: string;
      busy: { start: string; end: string }[];
    }) => {
      const { bookingCalendarId } = await connector.connect(tenantId, memberId);
      connector.seed(bookingCalendarId, busy);
      return { calendarId: bookingCalendarId };
    },
    'POST /owner-events': async ({ calendarId, start, end }: { calendarId: string; start: string; end: string }) => {
      const event = await connector.addEvent(calendarId, { start, end });
      return { eventId: event.eventId };
    },
    'PUT /weather': (weather: Weather) => {
      provider.weather = weather;
      return {};
    },
    'POST /writes/hold': () => {
      hold.close();
      return {};
    },
    'POST /writes/release': () => ({ held: hold.open() }),
    'POST /events': ({ tenantIds }: { tenantIds: string[] }) => {
      const calendars = new Set(
        [...connector.calendars.values()].filter((c) => tenantIds.includes(c.tenantId)).map((c) => c.calendarId),
      );
      const events = [...connector.events.values()]
        .filter((e) => calendars.has(e.calendarId))
        .map(({ eventId, calendarId, bookingId, start, end }) => ({ eventId, calendarId, bookingId, start, end }));
      return { events };
    },
    'GET /tally': () => provider.tally,
  };

  const server = createServer((request, response) => void answer(routes, request, response));
  await new Promise<void>((resolve) => server.listen(Number(process.env.CONTROL_PORT), '127.0.0.1', resolve));
  log('info', 'started', { pid: process.pid });
  process.on('SIGTERM', () => {
    hold.open();
    server.close();
    void connector.close().finally(() => process.exit(0));
  });
}

/** One JSON line on stdout, as the services log. */
function log(level: string, message: string, fields: Record<string, unknown>): void {
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), level, service: 'connector-chaos', message, ...fields })}\n`,
  );
}

/**
 * While closed, every event write waits after the event is written and before its answer: the
 * moment a booking instance is killed "mid-write". Opening lets them all go on.
 */
class WriteHold {
  private gate?: { opened: Promise<void>; open: () => void };
  private held: string[] = [];

  close(): void {
    if (this.gate) return;
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    this.gate = { opened, open };
  }

  /** The booking ids whose writes were held. */
  open(): string[] {
    this.gate?.open();
    this.gate = undefined;
    const held = this.held;
    this.held = [];
    return held;
  }

  async pass(bookingId: string): Promise<void> {
    if (!this.gate) return;
    this.held.push(bookingId);
    await this.gate.opened;
  }
}

async function answer(
  routes: Record<string, (body: any) => unknown>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const route = routes[`${request.method} ${request.url}`];
  if (!route) return void response.writeHead(404).end();
  let text = '';
  for await (const chunk of request) text += chunk;
  try {
    const result = await route(text ? JSON.parse(text) : {});
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  } catch (error) {
    response
      .writeHead(500, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: (error as Error).message }));
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
