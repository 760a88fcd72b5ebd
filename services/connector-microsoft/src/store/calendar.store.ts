import { OAuthCalendarStore, type ListedCalendar, type OAuthCalendar } from '@calldesk/connector-kit';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type Calendar = OAuthCalendar;
export type { ListedCalendar };

/**
 * A Microsoft connection's calendars, their role, and each one's sync state (push by
 * subscriptions; the sync token is a fingerprint of the last calendar view read).
 */
@Injectable()
export class CalendarStore extends OAuthCalendarStore<Calendar> {
  constructor(db: DataSource) {
    super(db, { provider: 'microsoft', pushTable: 'subscriptions' });
  }
}
