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
  /** Calls with a reply before their deadline (an outcome or an error reply). */
  answered: number;
  /** How many calls got each answer. */
  answers: Record<string, number>;
  /** For each error answer, the message of its first reply, by operation (e.g. "book unavailable"). */
  examples: Record<string, string>;
  /** Share of calls without an outcome (errors and no answer), by when they started. */
  errorRate: { baseline: number; duringFault: number; afterFault: number };
  /** From the fault's end until the error rate is back to the baseline's (within 2 points over 3 s); none if it did not while the load ran. */
  recoverySeconds?: number;
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
    if (!OUTCOMES.has(call.answer)) examples[`${call.op} ${call.answer}`] ??= call.message ?? '(no reply)';
  }
  const latency = (op: Operation, some: Call[]) => percentiles(some.filter((c) => c.op === op).map((c) => c.endedAt - c.startedAt));
  const latencyOf = (op: Operation) => ({ baseline: latency(op, baseline), duringFault: latency(op, during), afterFault: latency(op, after) });
  return {
    calls: calls.length,
    answered: calls.filter((c) => c.answer !== 'no_answer').length,
    answers,
    examples,
    errorRate: { baseline: errorRate(baseline), duringFault: errorRate(during), afterFault: errorRate(after) },
    recoverySeconds: recovery(calls, fault, load.to, errorRate(baseline)),
    latencyMs: { find: latencyOf('find'), book: latencyOf('book') },
    resent: calls.reduce((sum, c) => sum + c.resent, 0),
  };
}

export function errorRate(calls: Call[]): number {
  return calls.length ? calls.filter((c) => !OUTCOMES.has(c.answer)).length / calls.length : 0;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]) : undefined);
  return { p50: at(0.5), p99: at(0.99), n: sorted.length };
}

/** The first 3-second window after the fault whose error rate is within 2 points of the baseline's. */
function recovery(calls: Call[], fault: Window, loadEnd: number, baseline: number): number | undefined {
  for (let from = fault.to; from + 3_000 <= loadEnd; from += 1_000) {
    const window = calls.filter((c) => c.startedAt >= from && c.startedAt < from + 3_000);
    if (window.length && errorRate(window) <= baseline + 0.02) return (from - fault.to) / 1_000;
  }
  return undefined;
}
