import { counter, METRICS } from '@calldesk/telemetry';
import type { Counter } from '@opentelemetry/api';

/**
 * Events handed to a consumer again (its handler failed, or its ack came too late) and events
 * given up on (dead-lettered), per consumer. Consumers of one instance's own are named after the
 * service, not the instance, so that instances coming and going add no series.
 */
export class EventMetrics {
  private readonly redeliveries: Counter;
  private readonly deadLetters: Counter;

  constructor() {
    this.redeliveries = counter(METRICS.eventRedeliveries);
    this.deadLetters = counter(METRICS.eventDeadLetters);
  }

  redelivered(consumer: string): void {
    this.redeliveries.add(1, { consumer });
  }

  deadLettered(consumer: string, cause: 'undecodable' | 'failed'): void {
    this.deadLetters.add(1, { consumer, cause });
  }
}
