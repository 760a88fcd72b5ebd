import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OutboxTraceContext1764900000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // The W3C traceparent/tracestate of the booking that wrote the row, so its event is published
    // in that booking's trace. Rows from before have none and are published in the relay's.
    await db.query(`ALTER TABLE outbox ADD COLUMN trace_context jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outbox DROP COLUMN trace_context`);
  }
}
