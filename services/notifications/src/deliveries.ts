import { execute, queryOne } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface Delivery {
  key: string;
  tenantId: string;
  bookingId?: string;
  channel: 'sms' | 'email';
  recipientKind: 'customer' | 'owner';
}

/** The delivery log: what was sent to whom and how, so a redelivered event sends nothing twice. */
@Injectable()
export class Deliveries {
  constructor(private readonly db: DataSource) {}

  /** False when this delivery already went out. */
  async begin(delivery: Delivery): Promise<boolean> {
    const row = await queryOne<{ key: string }>(
      this.db,
      `INSERT INTO deliveries (key, tenant_id, booking_id, channel, recipient_kind, status)
       VALUES ($1, $2, $3, $4, $5, 'sending')
       ON CONFLICT (key) DO UPDATE SET attempts = deliveries.attempts + 1, updated_at = now()
         WHERE deliveries.status <> 'sent'
       RETURNING key`,
      [delivery.key, delivery.tenantId, delivery.bookingId ?? null, delivery.channel, delivery.recipientKind],
    );
    return row !== undefined;
  }

  async sent(key: string, providerMessageId?: string): Promise<void> {
    await execute(
      this.db,
      `UPDATE deliveries SET status = 'sent', provider_message_id = $2, error = NULL, updated_at = now() WHERE key = $1`,
      [key, providerMessageId ?? null],
    );
  }

  async failed(key: string, error: string): Promise<void> {
    await execute(this.db, `UPDATE deliveries SET status = 'failed', error = $2, updated_at = now() WHERE key = $1`, [
      key,
      error,
    ]);
  }
}
