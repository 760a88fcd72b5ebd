import type { BusyInterval, Interval, LiveBooking, MemberAvailability } from '@calldesk/scheduling';
import { Injectable } from '@nestjs/common';
import { BusySource, type UnverifiedReason } from './busy/busy-source';
import { scheduleOf } from './member-schedules';
import { MemberStore } from './member-store';

export interface MemberQuestion {
  tenantId: string;
  memberId: string;
  timeZone: string;
  durationMinutes: number;
  /** The starts asked about. */
  range: Interval;
  now: number;
  /** Ask the provider now, bypassing the busy cache. */
  fresh: boolean;
  ignoreBookingId?: string;
}

/** A member with no profile has no availability: verified, and free at no time. */
export type MemberAnswer =
  | { verified: true; availability?: MemberAvailability; asOf: number; bookingCalendarId?: string; provider?: string }
  | { verified: false; reason: UnverifiedReason };

/**
 * Puts together what the scheduling core needs for one member: the compiled profile, live
 * bookings and verified busy time over the held spans of the starts asked about. A member with
 * no profile has no hours (and so no slots); one whose calendars cannot be read is unverified.
 */
@Injectable()
export class MemberAvailabilityReader {
  constructor(
    private readonly members: MemberStore,
    private readonly busy: BusySource,
  ) {}

  async read(questions: readonly MemberQuestion[]): Promise<Map<string, MemberAnswer>> {
    const answers = new Map<string, MemberAnswer>();
    if (!questions.length) return answers;
    const { tenantId, fresh } = questions[0];
    // Fresh means fresh from the provider. Profiles and connections change only with an event,
    // which drops them from the cache; bookings are the booking service's own to guard.
    const records = await this.members.load(
      tenantId,
      questions.map((q) => q.memberId),
    );
    await Promise.all(
      questions.map(async (question) => {
        const record = records.get(question.memberId)!;
        if (!record.profile) {
          answers.set(question.memberId, { verified: true, asOf: question.now });
          return;
        }
        const schedule = scheduleOf(record.profile, question.timeZone);
        const { bufferBeforeMs, bufferAfterMs } = schedule.rules;
        const window = {
          start: question.range.start - bufferBeforeMs,
          end: question.range.end + question.durationMinutes * 60_000 + bufferAfterMs,
        };
        const busy = await this.busy.busyOf(tenantId, question.memberId, record.connections, window, fresh);
        if (!busy.verified) {
          answers.set(question.memberId, busy);
          return;
        }
        answers.set(question.memberId, {
          verified: true,
          availability: {
            schedule,
            durationMinutes: question.durationMinutes,
            now: question.now,
            busy: busy.busy as BusyInterval[],
            bookings: record.bookings as LiveBooking[],
            ignoreBookingId: question.ignoreBookingId,
          },
          asOf: busy.asOf,
          bookingCalendarId: busy.bookingCalendarId,
          provider: busy.provider,
        });
      }),
    );
    return answers;
  }
}
