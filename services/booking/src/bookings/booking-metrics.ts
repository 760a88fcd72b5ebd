import { ConflictReason, RpcError } from '@calldesk/contracts';
import { counter, histogram, METRICS } from '@calldesk/telemetry';
import { trace, type Counter, type Histogram } from '@opentelemetry/api';

/**
 * What new bookings came to and how long they took, per outcome (`confirmed`, `conflict`, or the
 * error code a create failed with) and, for conflicts, the reason the first candidate gave.
 * Replays of an idempotency key are not counted: only the run that decided the answer is. The
 * request's span carries the same outcome and reason, so a trace says what its booking came to.
 */
export class BookingMetrics {
  private readonly outcomes: Counter;
  private readonly duration: Histogram;

  constructor() {
    this.outcomes = counter(METRICS.bookingOutcomes);
    this.duration = histogram(METRICS.bookingCreateDuration);
  }

  confirmed(startedAt: number): void {
    this.record(startedAt, { outcome: 'confirmed' });
  }

  conflict(startedAt: number, reason: ConflictReason): void {
    this.record(startedAt, { outcome: 'conflict', reason: ConflictReason[reason] ?? 'unknown' });
  }

  failed(startedAt: number, error: unknown): void {
    this.record(startedAt, { outcome: error instanceof RpcError ? error.code : 'internal' });
  }

  private record(startedAt: number, attributes: { outcome: string; reason?: string }): void {
    this.outcomes.add(1, attributes);
    this.duration.record(performance.now() - startedAt, attributes);
    trace.getActiveSpan()?.setAttributes({
      'calldesk.booking.outcome': attributes.outcome,
      ...(attributes.reason ? { 'calldesk.booking.conflict_reason': attributes.reason } : {}),
    });
  }
}
