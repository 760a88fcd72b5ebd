import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CalendarReadRefusal1796900000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // Why the calendar's last busy read was refused (calendar_too_large, ...), for the owner; cleared by a read that succeeds.
    await db.query('ALTER TABLE calendars ADD COLUMN read_refusal text');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE calendars DROP COLUMN read_refusal');
  }
}
