import { OUTCOMES, type Load } from './callers';
import { disagreements, timeToAgree } from './caches';
import type { ConnectorControl } from './connector-control';
import { figures, type Figures } from './figures';
import { STALL_MS, type ProviderTally } from './realistic-provider';
import type { Pace, Scenario } from './scenarios';
import { LEASE_BUCKET_STREAM, type ChaosSystem } from './system';
import { Timeline, type Moment } from './timeline';
import { cachesRight, everyCallerAnswered, noDoubleBooking, providerAgrees, type Verdict } from './verdicts';
import { members, ownerEvent, seedWorld, tenantIds, type World, type WorldShape } from './world';

/** How soon slots.find must be right again: a circuit breaker opened by a storm stays open 15 s, and a push is retried within a few seconds. */
export const CACHE_RIGHT_WITHIN_MS = 20_000;
/** How long caches are watched: past the limit, so that the report says how long they did take. */
const CACHE_WATCH_MS = 90_000;
/**
 * The longest the settle period waits for pending bookings, the outbox and the sweep of undone
 * bookings' events (booking's reconciler: 30 s grace, 10 s rounds; the sweep: 60 s grace).
 */
const SETTLE_LIMIT_MS = 150_000;
const OWNER_EDIT_EVERY_MS = 1_000;

export interface Plan {
  world: WorldShape;
  load: Load;
  /** Load before the fault, to set the baseline. */
  baselineMs: number;
  /** Load after the fault, to watch it recover. */
  recoveryMs: number;
  pace: Pace;
}

export interface ScenarioResult {
  name: string;
  title: string;
  pass: boolean;
  verdicts: Verdict[];
  figures: Figures;
  /** The provider's calls during the scenario, and their faults. */
  provider: ProviderTally;
  /** The fault's window, as on the timeline. */
  fault: { from: number; to: number };
  timeline: Moment[];
  /** When the scenario began: the timeline's zero. */
  origin: number;
}

/**
 * One scenario, start to verdict: a healthy system, fresh calendars, load for a baseline, the
 * fault (owners editing calendars meanwhile), load while it recovers, then the settle period
 * and the verdicts on what callers got, what booking's table says, what the provider holds and
 * what slots.find offers.
 */
export async function runScenario(
  system: ChaosSystem,
  scenario: Scenario,
  plan: Plan,
  echo: (line: string) => void,
): Promise<ScenarioResult> {
  const origin = Date.now();
  const timeline = new Timeline(origin, (line) => echo(`[${scenario.name}] ${line}`));
  timeline.note(scenario.title);
  await heal(system, timeline);
  await scenario.prepare?.(system, timeline);
  const world = await seedWorld(system.admin, system.connector, plan.world);
  timeline.note(
    `seeded ${members(world).length} calendars in ${world.tenants.length} tenants, and ${world.witnesses.length} witnesses`,
  );
  // Asked now, the witnesses are in both availability instances' caches: a cache that misses their owners' edits shows.
  const unready = await disagreements(system.admin, system.ledger, system.connector, world, world.witnesses);
  timeline.note(`witnesses cached${unready.length ? ` (${unready.length} not right yet)` : ''}`);
  const providerBefore = await system.connector.tally();

  const load = system.callers.start(world, plan.load);
  const loadFrom = timeline.note(
    `load: ${plan.load.callers ? `${plan.load.callers} callers` : `${plan.load.perSecond} sessions/s`} of slots.find then bookings.create`,
  );
  const owners = ownersEdit(system.connector, world);
  await sleep(plan.baselineMs);
  const fault = await scenario.inject(system, timeline, plan.pace);
  timeline.note(`owners stop editing (${await owners.stop()} events added since the load began)`);
  const witnessCheck = () => disagreements(system.admin, system.ledger, system.connector, world, world.witnesses);
  const witnesses = await timeToAgree(witnessCheck, fault.to, CACHE_WATCH_MS);
  timeline.note(
    witnesses.ms === undefined
      ? 'witnesses still not right'
      : `witnesses right ${(witnesses.ms / 1_000).toFixed(1)} s after the fault's end`,
  );
  // The witnesses are cached again by now: an edit after the fault shows whether changes still reach every cache.
  for (const witness of world.witnesses) {
    const { start, end } = ownerEvent(world);
    await system.connector.ownerAdds(witness.calendarId, start, end);
  }
  const probedAt = timeline.note('each witness owner adds an event');
  const probe = await timeToAgree(witnessCheck, probedAt, CACHE_WATCH_MS);
  timeline.note(
    probe.ms === undefined
      ? 'those edits still not shown'
      : `those edits shown ${(probe.ms / 1_000).toFixed(1)} s later`,
  );
  await sleep(fault.to + plan.recoveryMs - Date.now());
  const loadTo = timeline.note('load stops');
  await load.stop();
  timeline.note(`load stopped: ${load.calls.length} calls answered or timed out`);
  const failures = load.calls.filter((c) => !OUTCOMES.has(c.answer)).sort((a, b) => a.startedAt - b.startedAt);
  for (const [which, call] of failures.length
    ? ([
        ['first', failures[0]],
        ['last', failures[failures.length - 1]],
      ] as const)
    : []) {
    timeline.noteAt(
      call.startedAt,
      `${which} call without an outcome began (${call.op}: ${call.answer}; ${failures.length} in all)`,
    );
  }

  // Calls the storm stalled are still carried out up to 30 s on: wait for them before comparing.
  if ((await system.connector.tally()).stalled > providerBefore.stalled)
    await sleep(fault.to + STALL_MS + 1_000 - Date.now());
  await settle(system, world, timeline);
  const tenants = tenantIds(world);
  const [overlaps, bookings, events] = await Promise.all([
    system.ledger.overlaps(tenants),
    system.ledger.bookings(tenants),
    system.connector.events(tenants),
  ]);
  const providerAfter = await system.connector.tally();
  const everyone = await timeToAgree(
    () => disagreements(system.admin, system.ledger, system.connector, world, members(world)),
    Date.now(),
    CACHE_WATCH_MS,
  );
  timeline.note('verdicts taken');
  await scenario.restore?.(system, timeline);

  const verdicts = [
    noDoubleBooking(overlaps),
    providerAgrees(events, bookings),
    everyCallerAnswered(load.calls, fault),
    cachesRight({ afterFault: witnesses, afterEdit: probe, afterSettling: everyone }, CACHE_RIGHT_WITHIN_MS),
  ];
  return {
    name: scenario.name,
    title: scenario.title,
    pass: verdicts.every((v) => v.pass),
    verdicts,
    figures: figures(load.calls, { from: loadFrom, to: loadTo }, fault),
    provider: {
      calls: providerAfter.calls - providerBefore.calls,
      throttled: providerAfter.throttled - providerBefore.throttled,
      failed: providerAfter.failed - providerBefore.failed,
      stalled: providerAfter.stalled - providerBefore.stalled,
      gaveUp: providerAfter.gaveUp - providerBefore.gaveUp,
      pushRetries: providerAfter.pushRetries - providerBefore.pushRetries,
      latencyMs: providerAfter.latencyMs - providerBefore.latencyMs,
    },
    fault,
    timeline: timeline.moments,
    origin,
  };
}

/**
 * Each scenario starts from a healthy system: the cluster's JetStream healthy, and the lease
 * bucket there (booking makes it when it starts; a scenario before may have lost it).
 */
async function heal(system: ChaosSystem, timeline: Timeline): Promise<void> {
  await system.cluster.ready();
  const bucket = await system.jetstream.streams.info(LEASE_BUCKET_STREAM).then(
    () => true,
    () => false,
  );
  if (bucket) return;
  timeline.note(
    'the lease bucket is missing (lost in an earlier scenario): restarting the booking instances, which make it',
  );
  for (const name of system.fleet.names('booking')) await system.fleet.restart(name);
}

/** Waits until no booking of the world is pending, the outbox has been published and undone bookings' events swept. */
async function settle(system: ChaosSystem, world: World, timeline: Timeline): Promise<void> {
  const began = Date.now();
  let state = 'unknown';
  while (Date.now() - began < SETTLE_LIMIT_MS) {
    try {
      const { pending, unpublished, unswept } = await system.ledger.unsettled(tenantIds(world));
      state = `${pending} pending bookings, ${unpublished} unpublished outbox rows, ${unswept} undone bookings not swept`;
      if (!pending && !unpublished && !unswept) break;
    } catch (error) {
      state = `booking's table unreadable: ${(error as Error).message}`;
    }
    await sleep(1_000);
  }
  timeline.note(`settled after ${((Date.now() - began) / 1_000).toFixed(1)} s: ${state}`);
}

/** Calendar owners add events while the scenario runs: a witness's every second, and a booked member's every other. */
function ownersEdit(connector: ConnectorControl, world: World): { stop(): Promise<number> } {
  let stopped = false;
  let added = 0;
  const everyone = members(world);
  const loop = (async () => {
    for (let tick = 0; !stopped; tick++) {
      const targets = [pick(world.witnesses), ...(tick % 2 ? [pick(everyone)] : [])];
      for (const member of targets) {
        const { start, end } = ownerEvent(world);
        await connector.ownerAdds(member.calendarId, start, end).then(
          () => added++,
          () => undefined,
        );
      }
      await sleep(OWNER_EDIT_EVERY_MS);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return added;
    },
  };
}

function pick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
