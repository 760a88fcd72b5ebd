import { STREAM } from '@calldesk/contracts';
import { PULL } from '@calldesk/messaging';
import { waitFor } from '@calldesk/testing';
import type { Window } from './figures';
import { CALM, STORM } from './realistic-provider';
import { LEASE_BUCKET_STREAM, type ChaosSystem } from './system';
import type { Timeline } from './timeline';

export interface Pace {
  /** How long a killed server stays down before it is started again. */
  downMs: number;
  stormMs: number;
  /** How long after an instant fault (a bucket deleted) counts as "during the fault". */
  watchMs: number;
}

export interface Scenario {
  name: string;
  title: string;
  /** Sets the system up for this scenario before its calendars and load (e.g. a setting of one instance). */
  prepare?(system: ChaosSystem, timeline: Timeline): Promise<void>;
  /** Injects the fault and undoes what an operator (or Kubernetes) would; answers the fault's window. */
  inject(system: ChaosSystem, timeline: Timeline, pace: Pace): Promise<Window>;
  /** Puts back what `prepare` changed, once the verdicts are taken. */
  restore?(system: ChaosSystem, timeline: Timeline): Promise<void>;
}

/**
 * availability's INSTANCE_CONSUMER_TTL_MS for the frozen instance (the default is 10 minutes), so
 * that a freeze outlives its consumers in seconds.
 */
export const INSTANCE_CONSUMER_TTL_MS = 10_000;
// A frozen instance's last pull keeps its consumers alive until it expires.
const FREEZE_MS = PULL.expires + INSTANCE_CONSUMER_TTL_MS + 10_000;

export const SCENARIOS: Scenario[] = [
  {
    name: 'nats-one-node',
    title: 'kill -9 one NATS node under load (the CALENDAR_EVENTS leader), then restart it',
    async inject({ cluster, jetstream }, timeline, pace) {
      const leader = (await jetstream.streams.info(STREAM.name)).cluster?.leader;
      const index = Math.max(
        0,
        [0, 1, 2].findIndex((i) => cluster.name(i) === leader),
      );
      const from = timeline.note(
        `kill -9 ${cluster.name(index)} (pid ${cluster.pid(index)}), leader of ${STREAM.name}`,
      );
      await cluster.kill(index);
      await sleep(pace.downMs);
      timeline.note(`start ${cluster.name(index)} again`);
      await cluster.start(index);
      await cluster.ready();
      return { from, to: timeline.note(`${cluster.name(index)} back; JetStream healthy on all three nodes`) };
    },
  },
  {
    name: 'booking-mid-write',
    title: 'kill -9 a booking instance mid-write (two run), then restart it',
    async inject({ connector, fleet }, timeline, pace) {
      await connector.holdWrites();
      timeline.note('provider holds every event write after writing it, before its answer');
      await sleep(1_000);
      const from = timeline.note(`kill -9 booking-1 (pid ${fleet.pid('booking-1')}) with event writes in flight`);
      await fleet.kill('booking-1');
      const held = await connector.releaseWrites();
      timeline.note(`${held.length} held writes answered (those of booking-1 to nobody)`);
      await sleep(pace.downMs);
      await fleet.restart('booking-1');
      return { from, to: timeline.note('booking-1 started again') };
    },
  },
  {
    name: 'postgres',
    title: 'kill -9 Postgres (the postmaster and every backend), then restart it',
    async inject({ postgres }, timeline, pace) {
      const from = timeline.note(`kill -9 Postgres (postmaster pid ${postgres.pid} and its children)`);
      await postgres.kill();
      await sleep(pace.downMs);
      timeline.note('start Postgres again (crash recovery)');
      // Until the last orphaned backend has let go of the shared memory, Postgres refuses to start.
      await waitFor(() => postgres.restart().then(() => true), { timeoutMs: 60_000, intervalMs: 500 });
      return { from, to: timeline.note(`Postgres accepts connections again (pid ${postgres.pid})`) };
    },
  },
  {
    name: 'provider-storm',
    title: 'provider storm: 429 with Retry-After, 500s and 30 s stalls',
    async inject({ connector }, timeline, pace) {
      await connector.setWeather(STORM);
      const from = timeline.note(
        `storm for ${pace.stormMs / 1_000} s: of all provider calls ${STORM.throttled * 100}% 429 (Retry-After 1-5 s), ${STORM.failing * 100}% 500, ${STORM.stalled * 100}% stalled 30 s (then carried out)`,
      );
      await sleep(pace.stormMs);
      await connector.setWeather(CALM);
      return { from, to: timeline.note('provider calm again (calls stalled in the storm still land within 30 s)') };
    },
  },
  {
    name: 'availability-frozen',
    title: `an availability instance cut off past its consumers' inactivity threshold (SIGSTOP ${FREEZE_MS / 1_000} s), then back`,
    async prepare({ fleet }, timeline) {
      await fleet.restart('availability-2', { INSTANCE_CONSUMER_TTL_MS: String(INSTANCE_CONSUMER_TTL_MS) });
      timeline.note(
        `availability-2 restarted with INSTANCE_CONSUMER_TTL_MS=${INSTANCE_CONSUMER_TTL_MS} (the default is 10 minutes)`,
      );
    },
    async inject({ fleet, jetstream }, timeline) {
      const consumers = async () => {
        const names: string[] = [];
        for await (const consumer of jetstream.consumers.list(STREAM.name))
          if (/^availability-[0-9a-f]{8}-/.test(consumer.name)) names.push(consumer.name);
        return names;
      };
      const before = await consumers();
      const madeAgain = () => fleet.logsOf('availability-2').filter((line) => line.includes('made again')).length;
      const madeBefore = madeAgain();
      const from = timeline.note(
        `SIGSTOP availability-2 (pid ${fleet.pid('availability-2')}) for ${FREEZE_MS / 1_000} s: past the last pull's ${PULL.expires / 1_000} s and the ${INSTANCE_CONSUMER_TTL_MS / 1_000} s inactivity threshold`,
      );
      fleet.freeze('availability-2');
      await sleep(FREEZE_MS);
      const after = await consumers();
      timeline.note(
        `the server deleted ${before.filter((name) => !after.includes(name)).length} of the ${before.length} instance consumers meanwhile`,
      );
      fleet.thaw('availability-2');
      const to = timeline.note('SIGCONT availability-2');
      // Noted when it happens, while the scenario goes on.
      void waitFor(() => madeAgain() > madeBefore, { timeoutMs: 90_000, intervalMs: 250 }).then(
        () => timeline.note('availability-2 made its lost consumers again'),
        () => timeline.note('availability-2 did not say it made lost consumers again within 90 s'),
      );
      return { from, to };
    },
    async restore({ fleet }, timeline) {
      await fleet.restart('availability-2');
      timeline.note('availability-2 restarted with the default INSTANCE_CONSUMER_TTL_MS');
    },
  },
  {
    name: 'lease-bucket-deleted',
    title: `the booking lease bucket deleted (${LEASE_BUCKET_STREAM}) under load`,
    async inject({ jetstream }, timeline, pace) {
      const from = timeline.note(`delete the stream ${LEASE_BUCKET_STREAM}`);
      await jetstream.streams.delete(LEASE_BUCKET_STREAM);
      await sleep(pace.watchMs);
      const back = await jetstream.streams.info(LEASE_BUCKET_STREAM).then(
        () => true,
        () => false,
      );
      return { from, to: timeline.note(back ? 'the lease bucket exists again' : 'the lease bucket is still missing') };
    },
  },
  {
    name: 'nats-all-nodes',
    title: 'kill -9 all three NATS nodes at once, then restart them',
    async inject({ cluster }, timeline, pace) {
      const from = timeline.note(
        `kill -9 all three NATS nodes (pids ${[0, 1, 2].map((i) => cluster.pid(i)).join(', ')})`,
      );
      await Promise.all([0, 1, 2].map((i) => cluster.kill(i)));
      await sleep(pace.downMs);
      timeline.note('start all three again');
      await Promise.all([0, 1, 2].map((i) => cluster.start(i)));
      await cluster.ready(120_000);
      return { from, to: timeline.note('JetStream healthy on all three nodes') };
    },
  },
];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
