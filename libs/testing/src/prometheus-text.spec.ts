import { metricValue } from './prometheus-text';

const TEXT = `# HELP booking_outcomes_total New bookings
# TYPE booking_outcomes_total counter
booking_outcomes_total{outcome="confirmed",otel_scope_name="calldesk"} 2
booking_outcomes_total{outcome="conflict",reason="slot_taken",otel_scope_name="calldesk"} 1
outbox_backlog 0
weird{note="a \\"quoted\\" value"} 3
`;

describe('metricValue', () => {
  it('sums the series whose labels include the ones asked for, whatever their order and other labels', () => {
    expect(metricValue(TEXT, 'booking_outcomes_total')).toBe(3);
    expect(metricValue(TEXT, 'booking_outcomes_total', { reason: 'slot_taken', outcome: 'conflict' })).toBe(1);
    expect(metricValue(TEXT, 'outbox_backlog')).toBe(0);
    expect(metricValue(TEXT, 'weird', { note: 'a "quoted" value' })).toBe(3);
  });

  it('answers undefined when no series matches', () => {
    expect(metricValue(TEXT, 'booking_outcomes_total', { outcome: 'unavailable' })).toBeUndefined();
    expect(metricValue(TEXT, 'booking_outcomes')).toBeUndefined();
  });
});
