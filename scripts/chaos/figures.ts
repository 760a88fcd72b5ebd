import { OUTCOMES, type Call, type Operation } from './callers';

export interface Window {
  from: number;
  to: number;
}

export interface Percentiles {
  p50?: number;
  p99?: number;
  n: number;
}

/** What the callers saw, before, during and after a fault. */
export interface Figures {
  calls: number;
  /**
   * Calls with a reply before their deadline (an outcome or an error reply); for the others, their
   * client's deadline was the answer (`deadline_exceeded`).
   */
  answered: number;
  /** How many calls got each answer. */
  answers: Record<string, number>;
  /** For each error answer, the message of its first reply, by operation (e.g. "book unavailable"). */
  examples: Record<string, string>;
  /** Share of calls without an outcome (errors and no answer), by when they started. */
  errorRate: { baseline: number; duringFault: number; afterFault: number };
  /**
   * From the fault's end until the error rate is back to the baseline's for good: the end of the
   * last 3-second window more than 2 points above it; none if the load ended in such a window.
   */
  recoverySeconds?: number;
  /** Calls and calls without an outcome by 5-second step of their start, from the load's start. */
  steps: { calls: number; errors: number; duringFault: boolean }[];
  latencyMs: Record<Operation, { baseline: Percentiles; duringFault: Percentiles; afterFault: Percentiles }>;
  /** Calls sent again because the caller's own connection dropped. */
  resent: number;
}

export function figures(calls: Call[], load: Window, fault: Window): Figures {
  const baseline = calls.filter((c) => c.startedAt < fault.from);
  const during = calls.filter((c) => c.startedAt >= fault.from && c.startedAt <= fault.to);
  const after = calls.filter((c) => c.startedAt > fault.to);
  const answers: Record<string, number> = {};
  const examples: Record<string, string> = {};
  for (const call of calls) {
    answers[call.answer] = (answers[call.answer] ?? 0) + 1;
    if (!OUTCOMES.has(call.answer)) examples[`${call.op} ${call.answer}`] ??= call.message ?? '';
  }
  const latency = (op: Operation, some: Call[]) =>
    percentiles(some.filter((c) => c.op === op).map((c) => c.endedAt - c.startedAt));
  const latencyOf = (op: Operation) => ({
    baseline: latency(op, baseline),
    duringFault: latency(op, during),
    afterFault: latency(op, after),
  });
  return {
    calls: calls.length,
    answered: calls.filter((c) => c.replied).length,
    answers,
    examples,
    errorRate: { baseline: errorRate(baseline), duringFault: errorRate(during), afterFault: errorRate(after) },
    recoverySeconds: recovery(calls, fault, load.to, errorRate(baseline)),
    steps: steps(calls, load, fault),
    latencyMs: { find: latencyOf('find'), book: latencyOf('book') },
    resent: calls.reduce((sum, c) => sum + c.resent, 0),
  };
}

export function errorRate(calls: Call[]): number {
  return calls.length ? calls.filter((c) => !OUTCOMES.has(c.answer)).length / calls.length : 0;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]) : undefined;
  return { p50: at(0.5), p99: at(0.99), n: sorted.length };
}

function recovery(calls: Call[], fault: Window, loadEnd: number, baseline: number): number | undefined {
  let recovered = fault.to;
  for (let from = fault.to; from + 3_000 <= loadEnd; from += 1_000) {
    const window = calls.filter((c) => c.startedAt >= from && c.startedAt < from + 3_000);
    if (window.length && errorRate(window) > baseline + 0.02) recovered = from + 3_000;
  }
  return recovered + 3_000 > loadEnd ? undefined : (recovered - fault.to) / 1_000;
}

function steps(calls: Call[], load: Window, fault: Window): Figures['steps'] {
  const count = Math.ceil((load.to - load.from) / 5_000);
  return Array.from({ length: count }, (_, i) => {
    const from = load.from + i * 5_000;
    const some = calls.filter((c) => c.startedAt >= from && c.startedAt < from + 5_000);
    return {
      calls: some.length,
      errors: some.filter((c) => !OUTCOMES.has(c.answer)).length,
      duringFault: from + 5_000 > fault.from && from <= fault.to,
    };
  });
}
