import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { connectorRpcs, Rpcs } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import {
  createTestDatabase,
  HOSTILE_BEHAVIOURS,
  startHostileCaldavServer,
  startInProcessService,
  startRadicale,
  testNatsUrl,
  type CaldavTestServer,
  type HostileBehaviour,
  type InProcessService,
  type TestDatabase,
  soloMember,
} from '@calldesk/testing';
import { DateTime } from 'luxon';
import type { RefusalReason } from './bounds/read-refused';

const rpcs = connectorRpcs('caldav');
const ZONE = 'Europe/London';
const MIB = 1_048_576;
/** What availability waits for a connector's busy answer: a hostile read must fail before it. */
const DEADLINE_MS = 3_000;
const MEMORY_MIB = 100;
/**
 * The neighbour's p95 under attack, at most. Every answer measured is one given under attack, and
 * a read that held the event loop would slow most of them; the p95 of MIN_SAMPLES is the 15th
 * slowest, which this machine's own outliers (the odd 150 ms answer here even when the attacker
 * does no work at all) cannot move, as they move a p99.
 */
const P95_MS = 50;
/** The neighbour's p95 before any attack, on this machine as it is now. */
let quietP95 = 0;
const CALLERS = 4;
const MIN_SAMPLES = 300;

const EXPECTED: Record<HostileBehaviour, RefusalReason> = {
  'secondly-zone': 'calendar_too_complex',
  huge: 'calendar_too_large',
  'many-objects': 'calendar_too_large',
  'redirect-inside': 'server_not_public',
  'stall-after-headers': 'server_too_slow',
  'stall-before-headers': 'server_too_slow',
};

const figures: string[] = [];

/**
 * A tenant who points the CalDAV connector at a hostile server stalls no one else: for each
 * hostile behaviour its calendar's read fails by name within availability's wait, the member is
 * skipped (never offered as free), the owner sees the reason on the calendar, the process's
 * memory stays within MEMORY_MIB of where it was, and another tenant's slots.find against
 * Radicale, asked over and over while the attack is made again and again, keeps its p95 within
 * P95_MS. Routing, availability and the connector run in this process, so anything that held
 * the connector's event loop would show in that tenant's latencies. The connector runs with its defaults and private networks refused,
 * the hostile server (127.0.0.2) and Radicale (127.0.0.3) allowed by name, so a redirect to
 * 127.0.0.1 meets the SSRF guard.
 */
describe('hostile CalDAV servers (in-process connector, routing and availability; Radicale; NATS; Postgres)', () => {
  let database: TestDatabase;
  let routing: InProcessService;
  let availability: InProcessService;
  let connector: InProcessService;
  let client: Bus;
  let radicale: CaldavTestServer;
  let neighbour: Awaited<ReturnType<typeof member>>;

  beforeAll(async () => {
    [database, radicale] = await Promise.all([createTestDatabase(), startRadicale({ host: '127.0.0.3' })]);
    routing = await startInProcessService({ service: 'routing', databaseUrl: database.url });
    availability = await startInProcessService({ service: 'availability', databaseUrl: database.url });
    connector = await startInProcessService({
      service: 'connector-caldav',
      databaseUrl: database.url,
      env: {
        CALDAV_ALLOW_PRIVATE_NETWORKS: 'false',
        CALDAV_PRIVATE_SERVERS: '127.0.0.2,127.0.0.3',
        CREDENTIALS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        CREDENTIALS_ACTIVE_KEY_ID: 'k1',
      },
    });
    client = await Bus.connect({ url: await testNatsUrl(), service: 'test-client', requestTimeoutMs: 8_000 });

    // The neighbour: a tenant on Radicale with an event every day it is asked about.
    neighbour = await member();
    const calendarUrl = await radicale.makeCalendar('work', { name: 'Work', timeZone: ZONE });
    await radicale.client.put(`${calendarUrl}standup.ics`, standup());
    await connect(radicale, neighbour);
    await slotsOf(neighbour, 0);
    // A process's first refusal compiles the paths it takes and loads the source maps its stacks
    // name: tens of milliseconds, once per process, which no tenant pays twice. Paid before measuring.
    for (const behaviour of ['huge', 'many-objects'] as const) {
      const server = await startHostileCaldavServer(behaviour);
      const who = await member();
      await connect(server, who);
      await busyOf(who).finally(() => server.close());
    }
    const quiet = await neighbourLoop(async () => undefined);
    quietP95 = percentile(quiet.latencies, 0.95);
    figures.push(`  quiet                 neighbour ${latencyFigures(quiet.latencies)}`);
  }, 60_000);

  afterAll(async () => {
    await client?.drain();
    await connector?.close();
    await availability?.close();
    await routing?.close();
    await radicale?.close();
    await database?.drop();
    process.stdout.write(
      `\nhostile CalDAV servers (deadline ${DEADLINE_MS} ms, memory +${MEMORY_MIB} MiB, neighbour p95 ${P95_MS} ms):\n${figures.join('\n')}\n\n`,
    );
  });

  /** A tenant with a member in ZONE open 8 to 8 every day, and a one-hour service of hers. */
  const member = () => soloMember(client, { zone: ZONE, open: '08:00', close: '20:00' });

  const connect = (
    server: { url: string; username: string; password: string },
    who: { tenantId: string; memberId: string },
  ) =>
    client.request(Rpcs.connectionsConnect, {
      tenantId: who.tenantId,
      memberId: who.memberId,
      provider: 'caldav',
      serverUrl: server.url,
      username: server.username,
      password: server.password,
    });

  /** The member's busy times tomorrow, read afresh from the connector. */
  const busyOf = (who: { tenantId: string; memberId: string }) => {
    const day = DateTime.now().setZone(ZONE).plus({ days: 1 }).startOf('day');
    return client.request(rpcs.busy, {
      tenantId: who.tenantId,
      memberId: who.memberId,
      from: day.toISO()!,
      to: day.plus({ days: 1 }).toISO()!,
      fresh: true,
    });
  };

  /** slots.find over one whole day, `offset` days after the day after tomorrow: another day each time misses the busy cache. */
  const slotsOf = (who: { tenantId: string; memberId: string; serviceId: string }, offset: number) => {
    const day = DateTime.now()
      .setZone(ZONE)
      .plus({ days: 2 + offset })
      .startOf('day');
    return client.request(Rpcs.slotsFind, {
      tenantId: who.tenantId,
      serviceId: who.serviceId,
      memberId: who.memberId,
      from: day.toISO()!,
      to: day.endOf('day').toISO()!,
      limit: 50,
      timeZone: ZONE,
    });
  };

  /**
   * `first`, then the same fresh read again and again until `enough()`: each must fail as the
   * first did, so that every read made keeps the connector as busy as the first.
   */
  async function attack(
    who: { tenantId: string; memberId: string },
    first: Promise<{ answer: Awaited<ReturnType<typeof busyOf>> }>,
    enough: () => boolean,
  ): Promise<void> {
    const { answer } = await first;
    while (!enough()) expect((await busyOf(who)).calendars[0].error).toEqual(answer.calendars[0].error);
  }

  /**
   * The neighbour's slots.find, CALLERS at a time (as several calls at once would ask), while
   * `load` runs and until at least MIN_SAMPLES were answered (`load` is told when that is, and
   * is waited for): each latency, and the highest resident memory seen between them. Always the
   * same day, which availability has read from Radicale once already: what is measured is how
   * long the process keeps a caller waiting, not how fast Radicale answers on a busy machine.
   */
  async function neighbourLoop(
    load: (enough: () => boolean) => Promise<void>,
  ): Promise<{ latencies: number[]; peakRss: number }> {
    const latencies: number[] = [];
    const enough = () => latencies.length >= MIN_SAMPLES;
    let loaded = false;
    const loading = load(enough).finally(() => (loaded = true));
    let peakRss = process.memoryUsage().rss;
    const caller = async () => {
      while (!loaded || !enough()) {
        const started = performance.now();
        const { slots, skipped } = await slotsOf(neighbour, 0);
        latencies.push(performance.now() - started);
        expect({ skipped, offered: slots.length > 0 }).toEqual({ skipped: [], offered: true });
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
    };
    await Promise.all([loading, ...Array.from({ length: CALLERS }, caller)]);
    return { latencies, peakRss };
  }

  it.each(HOSTILE_BEHAVIOURS.map((behaviour) => [behaviour, EXPECTED[behaviour]] as const))(
    '%s: the read fails as %s within the deadline, the member is skipped, and the neighbour is not slowed',
    async (behaviour, reason) => {
      const server = await startHostileCaldavServer(behaviour);
      try {
        const who = await member();
        const { connection } = await connect(server, who);
        expect(connection!.calendars).toHaveLength(1);
        collectGarbage();
        const before = process.memoryUsage();

        const loopDelay = monitorEventLoopDelay({ resolution: 1 });
        loopDelay.enable();
        const started = performance.now();
        const read = busyOf(who).then((answer) => ({ answer, ms: performance.now() - started }));
        // The attack goes on (the same read again) until the neighbour has been answered
        // MIN_SAMPLES times, so that every latency measured is one taken under attack.
        const { latencies, peakRss } = await neighbourLoop((done) => attack(who, read, done));
        const { answer, ms } = await read;
        loopDelay.disable();

        expect(answer.calendars).toHaveLength(1);
        expect(answer.calendars[0]).toMatchObject({ busy: [], error: { details: { reason, provider: 'caldav' } } });
        expect(ms).toBeLessThan(DEADLINE_MS);
        // Availability offers the member nothing: skipped, never free.
        const { slots, skipped } = await slotsOf(who, -1);
        expect(slots).toEqual([]);
        expect(skipped.map(({ memberId, reason }) => ({ memberId, reason }))).toEqual([
          { memberId: who.memberId, reason: 'calendar_unavailable' },
        ]);
        // The owner sees why, on the calendar in the member's connections.
        const { connections } = await client.request(Rpcs.connectionsList, {
          tenantId: who.tenantId,
          memberId: who.memberId,
          provider: 'caldav',
        });
        expect(connections.map((listed) => listed.calendars.map((calendar) => calendar.warnings))).toEqual([
          [[reason]],
        ]);
        if (behaviour === 'redirect-inside') expect(server.insideConnections()).toBe(0);

        collectGarbage();
        const after = process.memoryUsage();
        const rssGrowth = (Math.max(peakRss, after.rss) - before.rss) / MIB;
        const heapGrowth = (after.heapUsed - before.heapUsed) / MIB;
        const p95 = percentile(latencies, 0.95);
        figures.push(
          `  ${behaviour.padEnd(21)} ${reason.padEnd(21)} in ${Math.round(ms)} ms; server sent ${(server.sentBytes() / MIB).toFixed(1)} MiB; ` +
            `rss peak +${rssGrowth.toFixed(1)} MiB, heap +${heapGrowth.toFixed(1)} MiB${global.gc ? ' after gc' : ''}; ` +
            `neighbour ${latencyFigures(latencies)}; ` +
            `event loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
        );
        expect(rssGrowth).toBeLessThan(MEMORY_MIB);
        expect(heapGrowth).toBeLessThan(MEMORY_MIB);
        // P95_MS is measurable only on a machine whose quiet p95 is well within it; a machine busy
        // with other work (the quiet p95 past half of it) is held to the attack not doubling it.
        expect(p95).toBeLessThanOrEqual(quietP95 <= P95_MS / 2 ? P95_MS : 2 * quietP95);
      } finally {
        await server.close();
      }
    },
    20_000,
  );
});

function collectGarbage(): void {
  global.gc?.();
}

function latencyFigures(latencies: number[]): string {
  const ms = (p: number) => `${percentile(latencies, p).toFixed(1)} ms`;
  return `${latencies.length} slots.find, p50 ${ms(0.5)}, p95 ${ms(0.95)}, p99 ${ms(0.99)}, max ${ms(1)}`;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/** A daily stand-up at 9:00 in ZONE since the start of 2026. */
function standup(): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//CallDesk tests//EN',
    'BEGIN:VEVENT',
    'UID:standup',
    'DTSTAMP:20260101T000000Z',
    `DTSTART;TZID=${ZONE}:20260101T090000`,
    `DTEND;TZID=${ZONE}:20260101T093000`,
    'RRULE:FREQ=DAILY',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
