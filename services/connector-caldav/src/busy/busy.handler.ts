import type { MessageInitShape } from '@bufbuild/protobuf';
import { calendarReadError, isUnexpected, ProviderError } from '@calldesk/connector-kit';
import { connectorRpcs, type BusyRequest, type CalendarBusySchema } from '@calldesk/contracts';
import { HandleRpc, LOGGER, SERVICE_CONFIG } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { readBudget, type ReadBudget } from '../bounds/read-budget';
import type { RefusalReason } from '../bounds/read-refused';
import { CaldavAccounts } from '../caldav/caldav-accounts';
import { decodedPath } from '../caldav/dav-values';
import { queryTimeRange } from '../caldav/query-time-range';
import type { CaldavConfig } from '../config';
import { ConnectionHealth } from '../connections/connection-health';
import { ConnectionStore, type ConnectedCalendar, type ConnectionRow } from '../connections/connection-store';
import type { BusySpan } from '../ical/expand-busy';
import { busyOrFailSafe } from '../ical/fail-safe-busy';
import { busyReadError, refusalOf } from './read-error';
import { RecurringSeries } from './recurring-series';

type CalendarBusy = MessageInitShape<typeof CalendarBusySchema>;

/**
 * calendar.internal.connector.caldav.busy: every booking and blocking calendar of the member,
 * each with its busy intervals (read now, with a calendar-query over the window, and expanded
 * here) or with an error when it could not be read — never an empty list in its place.
 *
 * Servers are chosen by tenants, so each calendar's read is bounded: bytes and time at the HTTP
 * layer, objects and our own work here (ReadBudget), instances per series in the expansion. A read
 * past a bound fails with the bound's name (RefusalReason), which the owner sees on the calendar.
 */
@Injectable()
export class BusyHandler {
  constructor(
    private readonly store: ConnectionStore,
    private readonly accounts: CaldavAccounts,
    private readonly health: ConnectionHealth,
    private readonly series: RecurringSeries,
    @Inject(SERVICE_CONFIG) private readonly config: CaldavConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandleRpc(connectorRpcs('caldav').busy)
  async busy(request: BusyRequest) {
    const window = { from: Date.parse(request.from), to: Date.parse(request.to) };
    const calendars = (await this.store.memberCalendars(request.tenantId, request.memberId)).filter(
      (c) => c.role !== 'ignored',
    );
    const byConnection = new Map<string, ConnectedCalendar[]>();
    calendars.forEach((c) => byConnection.set(c.connectionId, [...(byConnection.get(c.connectionId) ?? []), c]));
    const answers = await Promise.all(
      [...byConnection.values()].map((own) => this.readConnection(own[0].connection, own, window, request.fresh)),
    );
    return { calendars: answers.flat(), asOf: new Date().toISOString() };
  }

  private async readConnection(
    connection: ConnectionRow,
    calendars: ConnectedCalendar[],
    window: { from: number; to: number },
    fresh: boolean,
  ): Promise<CalendarBusy[]> {
    if (connection.status === 'needs_reauth') {
      const error = calendarReadError(new ProviderError('auth_rejected'), 'caldav');
      return calendars.map((calendar) => ({ calendarId: calendar.calendarId, role: calendar.role, busy: [], error }));
    }
    const answers = await Promise.all(
      calendars.map((calendar) => this.readCalendar(connection, calendar, window, fresh)),
    );
    const failure = answers.find((answer) => 'failure' in answer);
    if (failure && 'failure' in failure) await this.health.failed(connection, failure.failure).catch(() => undefined);
    else await this.health.succeeded(connection).catch(() => undefined);
    return answers.map((answer) => answer.busy);
  }

  private async readCalendar(
    connection: ConnectionRow,
    calendar: ConnectedCalendar,
    window: { from: number; to: number },
    fresh: boolean,
  ): Promise<{ busy: CalendarBusy } | { busy: CalendarBusy; failure: unknown }> {
    const base = { calendarId: calendar.calendarId, role: calendar.role };
    const budget = readBudget(this.config);
    try {
      const fetch = this.accounts.fetchFor(connection, {
        budgetMs: this.config.CALDAV_BUSY_BUDGET_MS,
        ids: { calendarId: calendar.calendarId },
      });
      const [ranged, series] = await Promise.all([
        queryTimeRange(fetch, calendar.url, new Date(window.from), new Date(window.to), budget),
        this.series.of(calendar, fetch, fresh, budget),
      ]);
      // One object each, whichever query found it.
      const objects = new Map<string, string>();
      for (const object of [...ranged, ...series]) objects.set(decodedPath(object.url), object.data);
      budget.countObjects(objects.size);
      const { spans, unreadable, capped } = await this.expand(objects.values(), window, calendar.timeZone, budget);
      if (capped)
        this.logger.warn('recurrence capped: the rest of the window counts as busy', {
          calendarId: calendar.calendarId,
        });
      if (unreadable)
        this.logger.warn('unparseable calendar objects counted busy on the safe side', {
          calendarId: calendar.calendarId,
          count: unreadable,
        });
      await this.noteRefusal(calendar, undefined);
      return {
        busy: {
          ...base,
          busy: spans.map((span) => ({
            start: new Date(span.start).toISOString(),
            end: new Date(span.end).toISOString(),
            ...(span.bookingId ? { bookingId: span.bookingId } : {}),
          })),
        },
      };
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal)
        this.logger.warn('calendar read refused', {
          calendarId: calendar.calendarId,
          reason: refusal.reason,
          why: refusal.message,
        });
      else if (isUnexpected(error))
        this.logger.error('busy read failed', { calendarId: calendar.calendarId, error: (error as Error).stack });
      if (refusal) await this.noteRefusal(calendar, refusal.reason);
      return { busy: { ...base, busy: [], error: busyReadError(error) }, failure: error };
    }
  }

  /** Keeps why the calendar's read was refused (or that it no longer is) for its owner; written only when it changes. */
  private async noteRefusal(calendar: ConnectedCalendar, reason: RefusalReason | undefined): Promise<void> {
    if (calendar.readRefusal === reason) return;
    await this.store.setReadRefusal(calendar.calendarId, reason).catch((error) =>
      this.logger.warn('read refusal not recorded', {
        calendarId: calendar.calendarId,
        error: (error as Error).message,
      }),
    );
  }

  /**
   * Every object's busy spans in the window, in order. An object that cannot be parsed does not
   * make its calendar unreadable (one odd event would hide all the others' busy time and take the
   * member out): it is busy over the span it may plausibly take, read leniently and on the safe
   * side (see failSafeBusy), and counted in `unreadable` for the log — never its content. Each
   * object is one step of the read's budget.
   */
  private async expand(
    objects: Iterable<string>,
    window: { from: number; to: number },
    zone: string,
    budget: ReadBudget,
  ): Promise<{ spans: BusySpan[]; unreadable: number; capped: boolean }> {
    const spans: BusySpan[] = [];
    let unreadable = 0;
    let capped = false;
    for (const data of objects) {
      const result = await budget.step(() =>
        busyOrFailSafe(data, window, { zone, maxInstances: this.config.CALDAV_MAX_INSTANCES }),
      );
      spans.push(...result.busy);
      capped ||= result.capped;
      if (result.unreadable) unreadable++;
    }
    spans.sort((a, b) => a.start - b.start || a.end - b.end);
    return { spans, unreadable, capped };
  }
}
