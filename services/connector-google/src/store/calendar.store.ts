import { OAuthCalendarStore, type ListedCalendar, type OAuthCalendar } from '@calldesk/connector-kit';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type Calendar = OAuthCalendar;
export type { ListedCalendar };

/** A Google connection's calendars, their role, and each one's sync state (push by channels). */
@Injectable()
export class CalendarStore extends OAuthCalendarStore {
  constructor(db: DataSource) {
    super(db, { provider: 'google', pushTable: 'channels' });
  }
}
