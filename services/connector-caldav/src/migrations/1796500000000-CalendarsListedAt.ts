import { addCalendarsListedAt } from '@calldesk/connector-kit';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CalendarsListedAt1796500000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await addCalendarsListedAt(db);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE connections DROP COLUMN calendars_listed_at');
  }
}
