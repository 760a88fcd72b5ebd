import type { Call } from './callers';
import { errorRate, percentiles, type Percentiles } from './figures';
import type { Heap } from './fleet';
import type { ChaosSystem } from './system';
import type { Timeline } from './timeline';
import { everyCallerAnswered, type Verdict } from './verdicts';
import { seedWorld, type World, type WorldShape } from './world';

const CAPACITY_CALLERS = 48;
const CAPACITY_WARM_MS = 10_000;
const CAPACITY_MEASURE_MS = 30_000;
const RSS_EVERY_MS = 5_000;
const MINUTE_MS = 60_000;
/** Allowed growth of any service's RSS from the end of the first minute to the last. */
const RSS_GROWTH_LIMIT = 0.1;
/** Allowed p99 of any later minute, as a multiple of the first minute's. */
const P99_LIMIT = 2;
// The fake provider keeps every event in memory: its growth is the calendars', not a leak.
const NOT_JUDGED = /^connector-/;

export interface SoakResult {
  capacityPerSecond: number;
  perSecond: number;
  minutes: number;
  pass: boolean;
  verdicts: Verdict[];
  minutesSeen: { minute: number; find: Percentiles; book: Percentiles; calls: number; errorRate: number }[];
  /** Per instance, medians after warm-up (the second minute) and in the last minute, in bytes. */
  rss: { name: string; warm: number; last: number; heap?: { warm: Heap; last: Heap } }[];
}

/** 50 days of calendars: room for the soak's bookings without filling them. */
const SOAK_WORLD: WorldShape = { tenants: 10, membersPerTenant: 10, witnesses: 1, days: 50 };

/**
 * Capacity first (sessions a second the system completes with 48 callers that never pause),
 * then `minutes` at half of it, open loop: every service's RSS sampled, p99s per minute.
 */
export async function soak(system: ChaosSystem, minutes: number, timeline: Timeline): Promise<SoakResult> {
  const world = await seedWorld(system.admin, system.connector, SOAK_WORLD);
  const capacityPerSecond = await capacity(system, world, timeline);
  const perSecond = Math.max(1, Math.round(capacityPerSecond / 2));
  timeline.note(`soak: ${minutes} minutes at ${perSecond} sessions/s`);

  const began = Date.now();
  const load = system.callers.start(world, { perSecond });
  const samples: { at: number; rss: Record<string, number>; heaps: Record<string, Heap> }[] = [];
  while (Date.now() - began < minutes * MINUTE_MS) {
    samples.push({ at: Date.now(), rss: system.fleet.rss(), heaps: await system.fleet.heaps() });
    await sleep(RSS_EVERY_MS);
  }
  await load.stop();
  timeline.note(`soak done: ${load.calls.length} calls`);

  const minutesSeen = Array.from({ length: minutes }, (_, i) => {
    const calls = load.calls.filter(
      (c) => c.startedAt >= began + i * MINUTE_MS && c.startedAt < began + (i + 1) * MINUTE_MS,
    );
    const latency = (op: Call['op']) =>
      percentiles(calls.filter((c) => c.op === op).map((c) => c.endedAt - c.startedAt));
    return {
      minute: i + 1,
      find: latency('find'),
      book: latency('book'),
      calls: calls.length,
      errorRate: errorRate(calls),
    };
  });
  const warm = samples.filter((s) => s.at >= began + MINUTE_MS && s.at < began + 2 * MINUTE_MS);
  const last = samples.filter((s) => s.at >= began + (minutes - 1) * MINUTE_MS);
  const heap = (some: typeof samples, name: string): Heap => ({
    physical: median(some.map((s) => s.heaps[name]?.physical ?? 0)),
    used: median(some.map((s) => s.heaps[name]?.used ?? 0)),
  });
  const rss = Object.keys(samples[0].rss).map((name) => ({
    name,
    warm: median(warm.map((s) => s.rss[name])),
    last: median(last.map((s) => s.rss[name])),
    ...(name in samples[0].heaps ? { heap: { warm: heap(warm, name), last: heap(last, name) } } : {}),
  }));
  const verdicts = [rssHeld(rss), p99sHeld(minutesSeen), everyCallerAnswered(load.calls)];
  return { capacityPerSecond, perSecond, minutes, pass: verdicts.every((v) => v.pass), verdicts, minutesSeen, rss };
}

async function capacity(system: ChaosSystem, world: World, timeline: Timeline): Promise<number> {
  timeline.note(
    `capacity: ${CAPACITY_CALLERS} callers without pauses, ${CAPACITY_WARM_MS / 1_000} s to warm, ${CAPACITY_MEASURE_MS / 1_000} s measured`,
  );
  const load = system.callers.start(world, { callers: CAPACITY_CALLERS });
  await sleep(CAPACITY_WARM_MS);
  const from = Date.now();
  await sleep(CAPACITY_MEASURE_MS);
  const to = Date.now();
  await load.stop();
  const sessions = load.calls.filter(
    (c) => c.op === 'find' && c.endedAt >= from && c.endedAt < to && c.answer === 'slots',
  ).length;
  const perSecond = sessions / ((to - from) / 1_000);
  timeline.note(
    `capacity: ${perSecond.toFixed(1)} sessions/s (${load.calls.filter((c) => c.op === 'book' && c.answer === 'confirmed').length} bookings confirmed meanwhile)`,
  );
  return Math.round(perSecond * 10) / 10;
}

function rssHeld(rss: SoakResult['rss']): Verdict {
  const judged = rss.filter((r) => !NOT_JUDGED.test(r.name));
  const grown = judged.filter((r) => r.last > r.warm * (1 + RSS_GROWTH_LIMIT));
  const growth = (r: SoakResult['rss'][number]) => `${r.name} ${((r.last / r.warm - 1) * 100).toFixed(1)}%`;
  return {
    name: `no service's RSS grows more than ${RSS_GROWTH_LIMIT * 100}% after warm-up`,
    pass: grown.length === 0,
    detail: `${judged.map(growth).join(', ')} (first minute's end to last minute; the fake provider's connector not judged)`,
  };
}

function p99sHeld(minutes: SoakResult['minutesSeen']): Verdict {
  const [first, ...rest] = minutes;
  const over = rest.flatMap((m) =>
    (['find', 'book'] as const)
      .filter((op) => (m[op].p99 ?? 0) > P99_LIMIT * (first[op].p99 ?? Infinity))
      .map((op) => `minute ${m.minute} ${op} p99 ${m[op].p99} ms`),
  );
  return {
    name: `p99s stay within ${P99_LIMIT}× of the first minute's`,
    pass: over.length === 0,
    detail: over.length
      ? `${over.join(', ')} (first minute: find ${first.find.p99} ms, book ${first.book.p99} ms)`
      : `first minute: find ${first.find.p99} ms, book ${first.book.p99} ms; worst later: find ${Math.max(...rest.map((m) => m.find.p99 ?? 0))} ms, book ${Math.max(...rest.map((m) => m.book.p99 ?? 0))} ms`,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
