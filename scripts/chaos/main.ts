import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CACHE_RIGHT_WITHIN_MS, runScenario, type Plan, type ScenarioResult } from './run-scenario';
import { DEADLINES } from './callers';
import { machine, revision, writeReport, type RunReport } from './report';
import { INSTANCE_CONSUMER_TTL_MS, SCENARIOS } from './scenarios';
import { soak, type SoakResult } from './soak';
import { startChaosSystem } from './system';
import { Timeline } from './timeline';
import { REALISTIC_LATENCY, STALL_MS } from './realistic-provider';

/**
 * `npm run chaos`: every scenario, one after another, on servers of the run's own; a report in
 * chaos-report/<time>/ (or --out). `-- --soak` runs the soak instead (`--soak-minutes N`,
 * default 10); `-- --only a,b` runs only the scenarios named; `-- --light` runs them under the
 * light load and short pace `npm test` uses. Exits 1 when a verdict fails.
 */
const FULL: { plan: Plan; env: Record<string, string> } = {
  plan: {
    world: { tenants: 10, membersPerTenant: 10, witnesses: 5, days: 10 },
    load: { callers: 24, thinkMs: 200, maxSessions: 50_000 },
    baselineMs: 15_000,
    recoveryMs: 30_000,
    pace: { downMs: 15_000, stormMs: 60_000, watchMs: 15_000 },
  },
  // The production defaults throughout.
  env: {},
};

const LIGHT: typeof FULL = {
  plan: {
    world: { tenants: 2, membersPerTenant: 5, witnesses: 2, days: 10 },
    load: { callers: 4, thinkMs: 100, maxSessions: 5_000 },
    baselineMs: 5_000,
    recoveryMs: 8_000,
    pace: { downMs: 5_000, stormMs: 20_000, watchMs: 5_000 },
  },
  // A crash's pending booking is settled in seconds (the defaults: after 30 s, in 10 s rounds); attempts here last well under 15 s.
  // Undone bookings' events are swept once the provider's 30 s stalls are over (the default: after 60 s).
  env: {
    BOOKING_RECONCILE_INTERVAL_MS: '1000',
    BOOKING_PENDING_GRACE_MS: '15000',
    BOOKING_EVENT_SWEEP_GRACE_MS: String(STALL_MS + 5_000),
  },
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const only = option('--only')?.split(',');
  const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown?.length)
    throw new Error(`no scenario ${unknown.join(', ')}; there are ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const soakMinutes = args.includes('--soak') ? Number(option('--soak-minutes') ?? 10) : undefined;
  const { plan, env } = args.includes('--light') ? LIGHT : FULL;
  const startedAt = new Date();
  // Taken now: the checkout may change while the run goes on.
  const measured = revision();
  const folder = path.resolve(
    option('--out') ?? path.join('chaos-report', startedAt.toISOString().replace(/[:.]/g, '-')),
  );
  const echo = (line: string) => console.log(`[chaos] ${line}`);
  echo(`report: ${folder}`);

  const work = mkdtempSync(path.join(tmpdir(), 'calldesk-chaos-'));
  const system = await startChaosSystem(work, env);
  echo(
    `started: NATS ${system.cluster.urls.join(', ')}; Postgres ${new URL(system.postgres.url).port}; ${system.fleet.names().join(', ')}`,
  );
  const scenarios: ScenarioResult[] = [];
  let soaked: SoakResult | undefined;
  try {
    if (soakMinutes) {
      soaked = await soak(system, soakMinutes, new Timeline(Date.now(), (line) => echo(`[soak] ${line}`)));
    } else {
      for (const scenario of SCENARIOS.filter((s) => !only || only.includes(s.name))) {
        const result = await runScenario(system, scenario, plan, echo);
        echo(
          `[${scenario.name}] ${result.pass ? 'PASS' : 'FAIL'}: ${result.verdicts.map((v) => `${v.name}: ${v.pass ? 'pass' : `FAIL (${v.detail})`}`).join('; ')}`,
        );
        scenarios.push(result);
      }
    }
  } finally {
    await system.stop();
    const report: RunReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: machine(),
      revision: measured,
      settings: {
        plan: soakMinutes ? { soakMinutes } : plan,
        serviceEnv: env,
        callerDeadlinesMs: DEADLINES,
        providerLatency: REALISTIC_LATENCY,
        cacheRightWithinMs: CACHE_RIGHT_WITHIN_MS,
        frozenAvailabilityInstanceConsumerTtlMs: INSTANCE_CONSUMER_TTL_MS,
        services: system.fleet.names(),
      },
      scenarios,
      soak: soaked,
    };
    writeReport(folder, report, { ...system.fleet.logs(), ...Object.fromEntries(system.serverLogs) });
    rmSync(work, { recursive: true, force: true });
    echo(`report written: ${path.join(folder, 'report.md')}`);
  }
  const failed = [...scenarios.filter((s) => !s.pass).map((s) => s.name), ...(soaked && !soaked.pass ? ['soak'] : [])];
  echo(failed.length ? `FAIL: ${failed.join(', ')}` : 'every verdict passed');
  process.exit(failed.length ? 1 : 0);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
