import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Percentiles } from './figures';
import type { ScenarioResult } from './run-scenario';
import type { SoakResult } from './soak';
import { seconds } from './timeline';

export interface RunReport {
  startedAt: string;
  finishedAt: string;
  machine: { cores: number; memoryGiB: number; node: string };
  /** What was measured: the built checkout's commit, and how many files differed from it. */
  revision: { commit: string; uncommittedFiles: number };
  /** What the run was set to: load, pace, thresholds. */
  settings: Record<string, unknown>;
  scenarios: ScenarioResult[];
  soak?: SoakResult;
}

/** Writes report.md (for people) and report.json (for tools) into `folder`, and every process's log under logs/. */
export function writeReport(folder: string, report: RunReport, logs: Record<string, string[]>): void {
  mkdirSync(path.join(folder, 'logs'), { recursive: true });
  writeFileSync(path.join(folder, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(folder, 'report.md'), markdown(report));
  for (const [name, lines] of Object.entries(logs))
    writeFileSync(path.join(folder, 'logs', `${name}.log`), `${lines.join('\n')}\n`);
}

export function machine(): RunReport['machine'] {
  return { cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
}

export function revision(): RunReport['revision'] {
  const git = (...args: string[]) =>
    execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    return {
      commit: git('rev-parse', 'HEAD').trim(),
      uncommittedFiles: git('status', '--porcelain').split('\n').filter(Boolean).length,
    };
  } catch {
    return { commit: 'unknown', uncommittedFiles: 0 };
  }
}

function markdown(report: RunReport): string {
  const lines = [
    '# Chaos run',
    '',
    `${report.startedAt} to ${report.finishedAt}, on ${report.machine.cores} cores and ${report.machine.memoryGiB} GiB, Node ${report.machine.node}; ` +
      `commit ${report.revision.commit.slice(0, 12)}${report.revision.uncommittedFiles ? ` with ${report.revision.uncommittedFiles} files changed beside it` : ''}.`,
    '',
    '| scenario | verdict | calls | error rate before / during / after | recovered after | failed verdicts |',
    '|---|---|---|---|---|---|',
    ...report.scenarios.map((s) => {
      const f = s.figures;
      const failed =
        s.verdicts
          .filter((v) => !v.pass)
          .map((v) => v.name)
          .join('; ') || '—';
      return `| [${s.name}](#${s.name}) | ${s.pass ? 'PASS' : '**FAIL**'} | ${f.calls} | ${rate(f.errorRate.baseline)} / ${rate(f.errorRate.duringFault)} / ${rate(f.errorRate.afterFault)} | ${f.recoverySeconds === undefined ? 'not while loaded' : `${f.recoverySeconds} s`} | ${failed} |`;
    }),
    ...(report.soak ? ['', `Soak: ${report.soak.pass ? 'PASS' : '**FAIL**'} (see [below](#soak)).`] : []),
    '',
    '## Settings',
    '',
    '```json',
    JSON.stringify(report.settings, null, 2),
    '```',
    ...report.scenarios.flatMap(scenario),
    ...(report.soak ? soak(report.soak) : []),
    '',
  ];
  return lines.join('\n');
}

function scenario(s: ScenarioResult): string[] {
  const f = s.figures;
  const latency = (p: Percentiles) => (p.n ? `p50 ${p.p50} ms, p99 ${p.p99} ms (n=${p.n})` : '—');
  return [
    '',
    `## ${s.name}`,
    '',
    `${s.title}: **${s.pass ? 'PASS' : 'FAIL'}**`,
    '',
    '| verdict | | detail |',
    '|---|---|---|',
    ...s.verdicts.map((v) => `| ${v.name} | ${v.pass ? 'pass' : '**FAIL**'} | ${v.detail} |`),
    '',
    '| figure | value |',
    '|---|---|',
    `| calls (answered) | ${f.calls} (${f.answered}) |`,
    `| answers | ${Object.entries(f.answers)
      .map(([answer, n]) => `${answer} ${n}`)
      .join(', ')} |`,
    ...Object.entries(f.examples).map(([answer, message]) => `| e.g. ${answer} | ${message.replace(/\|/g, '\\|')} |`),
    `| error rate before / during / after the fault | ${rate(f.errorRate.baseline)} / ${rate(f.errorRate.duringFault)} / ${rate(f.errorRate.afterFault)} |`,
    `| time to recover (from the fault's end) | ${f.recoverySeconds === undefined ? 'not while the load ran' : `${f.recoverySeconds} s`} |`,
    `| calls without an outcome / calls, each 5 s from the load's start (the fault's in brackets) | ${f.steps.map((s) => (s.duringFault ? `[${s.errors}/${s.calls}]` : `${s.errors}/${s.calls}`)).join(' ')} |`,
    `| slots.find before / during / after | ${latency(f.latencyMs.find.baseline)} / ${latency(f.latencyMs.find.duringFault)} / ${latency(f.latencyMs.find.afterFault)} |`,
    `| bookings.create before / during / after | ${latency(f.latencyMs.book.baseline)} / ${latency(f.latencyMs.book.duringFault)} / ${latency(f.latencyMs.book.afterFault)} |`,
    `| calls re-sent after the caller's own connection dropped | ${f.resent} |`,
    `| provider calls (429 / 500 / stalled; the connector gave up) | ${s.provider.calls} (${s.provider.throttled} / ${s.provider.failed} / ${s.provider.stalled}; ${s.provider.gaveUp}) |`,
    `| calendar.changed pushes sent again (NATS did not take them) | ${s.provider.pushRetries} |`,
    '',
    'Timeline:',
    '',
    ...s.timeline.map((m) => `- \`${seconds(m.at - s.origin)}\` ${m.what}`),
  ];
}

function soak(s: SoakResult): string[] {
  return [
    '',
    '## soak',
    '',
    `${s.minutes} minutes at ${s.perSecond} sessions/s (half of the measured ${s.capacityPerSecond} sessions/s): **${s.pass ? 'PASS' : 'FAIL'}**`,
    '',
    '| verdict | | detail |',
    '|---|---|---|',
    ...s.verdicts.map((v) => `| ${v.name} | ${v.pass ? 'pass' : '**FAIL**'} | ${v.detail} |`),
    '',
    '| minute | slots.find p50 / p99 ms | bookings.create p50 / p99 ms | calls | error rate |',
    '|---|---|---|---|---|',
    ...s.minutesSeen.map(
      (m) =>
        `| ${m.minute} | ${m.find.p50 ?? '—'} / ${m.find.p99 ?? '—'} | ${m.book.p50 ?? '—'} / ${m.book.p99 ?? '—'} | ${m.calls} | ${rate(m.errorRate)} |`,
    ),
    '',
    '| instance | RSS after warm-up (MiB) | RSS in the last minute (MiB) | growth | V8 heap held / in use after warm-up (MiB) | in the last minute |',
    '|---|---|---|---|---|---|',
    ...s.rss.map(
      (r) =>
        `| ${r.name} | ${mib(r.warm)} | ${mib(r.last)} | ${((r.last / r.warm - 1) * 100).toFixed(1)}% | ${r.heap ? `${mib(r.heap.warm.physical)} / ${mib(r.heap.warm.used)}` : '—'} | ${r.heap ? `${mib(r.heap.last.physical)} / ${mib(r.heap.last.used)}` : '—'} |`,
    ),
  ];
}

function rate(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
