import { fromJson, type JsonValue, type MessageInitShape } from '@bufbuild/protobuf';
import { Broadcasts, Events, type BookingSchema, type EventType, type HoldSchema } from '@calldesk/contracts';
import { Bus, contextFromTraceContext } from '@calldesk/messaging';
import { execute, query } from '@calldesk/persistence';
import type { Logger } from '@calldesk/telemetry';
import { LOGGER, SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BookingConfig } from '../config';

const BATCH = 100;

interface OutboxRow {
  id: string;
  subject: string;
  msg_id: string;
  body: JsonValue;
  trace_context: Record<string, string> | null;
}
const CLAIM_S = 30;

/**
 * Publishes outbox rows to JetStream with their Nats-Msg-Id, in id order, then marks them. Woken
 * after each commit that wrote a row, and on a timer for rows a crash left behind. Instances
 * share the table by claiming batches; a row published twice (a crash before marking) is dropped
 * by JetStream's duplicate window.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly bus: Bus,
    @Inject(SERVICE_CONFIG) private readonly config: BookingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), this.config.OUTBOX_POLL_INTERVAL_MS);
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.draining;
  }

  /**
   * Tells every availability instance of a change just committed, before the answer that made it
   * goes out; the outbox row carries the same change to the stream, durably.
   */
  announce(booking: MessageInitShape<typeof BookingSchema>): void {
    this.bus.broadcast(Broadcasts.bookingChanged, booking);
  }

  /** The same for a hold taken or let go. */
  announceHold(hold: MessageInitShape<typeof HoldSchema>): void {
    this.bus.broadcast(Broadcasts.holdChanged, hold);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((error) => this.logger.warn('outbox relay failed; will retry', { error: (error as Error).message }))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      // One statement claims a batch for CLAIM_S; a relay that dies mid-batch leaves its rows to
      // the next claim after that, and JetStream drops what it had already published.
      const rows = await query<OutboxRow>(
        this.db,
        `UPDATE outbox SET claimed_until = now() + $2 * interval '1 second'
          WHERE id IN (SELECT id FROM outbox
                        WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
                        ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING id, subject, msg_id, body, trace_context`,
        [BATCH, CLAIM_S],
      );
      rows.sort((a, b) => Number(a.id) - Number(b.id));
      const published: string[] = [];
      try {
        for (const row of rows) {
          const event = eventOf(row.subject);
          await this.bus.events.publish(
            event,
            fromJson(event.body, row.body),
            row.msg_id,
            row.subject,
            contextFromTraceContext(row.trace_context),
          );
          published.push(row.id);
        }
      } finally {
        if (published.length)
          await execute(this.db, `UPDATE outbox SET published_at = now() WHERE id = ANY($1)`, [published]);
      }
      if (rows.length < BATCH) return;
    }
  }
}

/** The event a row's subject names: a booking's or a hold's. */
function eventOf(subject: string): EventType {
  const event = Object.values(Events).find((e) => e.subject === subject);
  if (!event) throw new Error(`the outbox holds an event of no known subject: ${subject}`);
  return event;
}
