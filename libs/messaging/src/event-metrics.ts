import { counter, meter, METRICS, observableGauge } from '@calldesk/telemetry';
import type { BatchObservableCallback, Counter, ObservableGauge } from '@opentelemetry/api';
import type { ConsumerInfo } from 'nats';

/**
 * Events handed to a consumer again (its handler failed, or its ack came too late) and events
 * given up on (dead-lettered), per consumer. Consumers of one instance's own are named after the
 * service, not the instance, so that instances coming and going add no series. How far each
 * consumer is behind is asked of the server when metrics are collected (a scrape), so a consumer
 * that has stopped pulling shows its backlog growing.
 */
export class EventMetrics {
  private readonly redeliveries: Counter;
  private readonly deadLetters: Counter;
  private readonly pending: ObservableGauge;
  private readonly consumers: { consumer: string; info: () => Promise<ConsumerInfo> }[] = [];
  private readonly observe: BatchObservableCallback;

  constructor() {
    this.redeliveries = counter(METRICS.eventRedeliveries);
    this.deadLetters = counter(METRICS.eventDeadLetters);
    this.pending = observableGauge(METRICS.eventConsumerPending);
    this.observe = async (result) => {
      const unsettled = new Map<string, number>();
      await Promise.all(
        this.consumers.map(async ({ consumer, info }) => {
          // A consumer being made again has no backlog to tell; the next scrape will.
          const read = await info().catch(() => undefined);
          if (read) unsettled.set(consumer, (unsettled.get(consumer) ?? 0) + read.num_pending + read.num_ack_pending);
        }),
      );
      for (const [consumer, count] of unsettled) result.observe(this.pending, count, { consumer });
    };
    meter().addBatchObservableCallback(this.observe, [this.pending]);
  }

  redelivered(consumer: string): void {
    this.redeliveries.add(1, { consumer });
  }

  deadLettered(consumer: string, cause: 'undecodable' | 'failed'): void {
    this.deadLetters.add(1, { consumer, cause });
  }

  /** Reports the backlog of a durable consumer under `consumer` (summed with others of that name). */
  watch(consumer: string, info: () => Promise<ConsumerInfo>): void {
    this.consumers.push({ consumer, info });
  }

  stop(): void {
    meter().removeBatchObservableCallback(this.observe, [this.pending]);
  }
}
