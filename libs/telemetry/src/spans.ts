import { SpanStatusCode, trace, type Attributes, type Span, type SpanOptions } from '@opentelemetry/api';

export const tracer = trace.getTracer('calldesk');

/**
 * Ids that may go on a span. Spans carry ids only — never event details or customer data — so
 * only these keys are accepted.
 */
export function spanAttributes(ids: {
  tenantId?: string;
  memberId?: string;
  bookingId?: string;
  calendarId?: string;
  provider?: string;
}): Attributes {
  const attributes: Attributes = {};
  if (ids.tenantId) attributes['calldesk.tenant_id'] = ids.tenantId;
  if (ids.memberId) attributes['calldesk.member_id'] = ids.memberId;
  if (ids.bookingId) attributes['calldesk.booking_id'] = ids.bookingId;
  if (ids.calendarId) attributes['calldesk.calendar_id'] = ids.calendarId;
  if (ids.provider) attributes['calldesk.provider'] = ids.provider;
  return attributes;
}

/** Runs `work` inside a new active span, recording a thrown error and ending the span either way. */
export async function withSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
