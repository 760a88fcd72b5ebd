import type { Logger } from '@calldesk/telemetry';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { ConnectorEvents } from '../connector-events';
import { PeriodicTask } from '@calldesk/service-kit';
import type { BookingEventStore } from './booking-event.store';
import type { ListedCalendar, OAuthCalendar, OAuthCalendarStore } from './calendar.store';
import type { OAuthConnection, OAuthConnectionStore } from './connection.store';
import type { OAuthConnectorConfig } from './oauth-config';
import { relistCalendars } from './relist-calendars';
import type { OAuthSigners } from './signers';

/** One instance works on a calendar at a time: a lease in its row, longer than any sync. */
const LEASE_MS = 60_000;
/**
 * Connections whose calendar list one maintenance round reads again, at most: with the default
 * round and refresh, one instance keeps 12,000 connections' lists fresh.
 */
const RELIST_BATCH = 100;
/** Calendars one maintenance round syncs or renews push for, at most. */
const WORK_BATCH = 100;

export interface OAuthCalendarSyncParts<C extends OAuthCalendar> {
  config: Pick<OAuthConnectorConfig, 'MAINTENANCE_INTERVAL_MS' | 'CALENDAR_LIST_REFRESH_MS'>;
  logger: Logger;
  calendars: OAuthCalendarStore<C>;
  connections: OAuthConnectionStore;
  bookingEvents: BookingEventStore;
  events: ConnectorEvents;
  signers: OAuthSigners;
}

/**
 * Keeps each booking and blocking calendar of an OAuth provider in step: push (a channel or
 * subscription per calendar, when WEBHOOK_SECRET is set) and a sync after each push and
 * periodically as the safety net, one instance per calendar at a time, again at once if a push
 * came meanwhile; each connection's calendar list is read again now and then. A provider says
 * how it lists calendars, keeps push alive and syncs.
 */
export abstract class OAuthCalendarSync<C extends OAuthCalendar> implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly task: PeriodicTask;

  protected constructor(
    private readonly parts: OAuthCalendarSyncParts<C>,
    private readonly provider: string,
  ) {
    this.task = new PeriodicTask(`${provider} maintenance`, parts.config.MAINTENANCE_INTERVAL_MS, () => this.maintain(), parts.logger);
  }

  /** The connection's calendars as the provider lists them now. */
  abstract listCalendars(connection: OAuthConnection): Promise<ListedCalendar[]>;
  /** A push channel for the calendar that outlives the renewal margin. */
  protected abstract ensurePush(calendar: C, connection: OAuthConnection): Promise<void>;
  /** Stops the calendar's push channels at the provider and forgets them. */
  abstract stopPush(calendar: C, connection?: OAuthConnection): Promise<void>;
  /** Reads what changed in the calendar since the last sync. */
  protected abstract sync(calendar: C, connection: OAuthConnection): Promise<void>;
  /** Push channels with less than this left are renewed by maintenance. */
  protected abstract readonly renewPushWithinMs: number;
  /** Forgets push channels whose opening failed midway. */
  protected abstract forgetStalePush(): Promise<void>;

  onApplicationBootstrap(): void {
    if (!this.parts.signers.webhook) this.parts.logger.warn('WEBHOOK_SECRET is not set: no push, changes are found by the periodic sync only');
    this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** A push arrived for the calendar: sync it now (or right after the sync in progress). */
  async pushed(calendarId: string): Promise<void> {
    await this.parts.calendars.requestSync(calendarId);
    await this.work(calendarId, true);
  }

  /** Opens the calendar's push (if on) and syncs it, now: after a connect, a role change or a new calendar. */
  async start(calendarId: string): Promise<void> {
    await this.work(calendarId, true);
  }

  /** Reads the connection's calendar list again: calendars made since start syncing, deleted ones stop. */
  async relist(connection: OAuthConnection): Promise<void> {
    const listed = await this.listCalendars(connection);
    const { added } = await relistCalendars(this.parts, connection, listed, (calendar) => this.stopPush(calendar, connection));
    for (const calendar of added) await this.start(calendar.id);
  }

  private async maintain(): Promise<void> {
    const { connections, calendars, config, logger, signers } = this.parts;
    for (const connection of await connections.dueForRelisting(config.CALENDAR_LIST_REFRESH_MS, RELIST_BATCH)) {
      await this.relist(connection).catch((error) => logger.warn('calendar list not read', { connectionId: connection.id, error: (error as Error).message }));
    }
    for (const calendar of await calendars.needingWork(Boolean(signers.webhook), this.renewPushWithinMs, WORK_BATCH)) {
      await this.work(calendar.id, false);
    }
    await this.forgetStalePush();
  }

  /** Under the calendar's lease: push, then the sync (when due, or `force`), again if a push came meanwhile. */
  protected async work(calendarId: string, force: boolean): Promise<void> {
    const { calendars, logger } = this.parts;
    let takenAt = await calendars.lease(calendarId, LEASE_MS);
    while (takenAt) {
      try {
        await this.once(calendarId, force);
      } catch (error) {
        logger.warn('calendar sync failed', { calendarId, error: (error as Error).message });
      }
      const again = await calendars.release(calendarId, takenAt);
      takenAt = again ? await calendars.lease(calendarId, LEASE_MS) : undefined;
      force = true;
    }
  }

  private async once(calendarId: string, force: boolean): Promise<void> {
    const calendar = await this.parts.calendars.byId(calendarId);
    if (!calendar || calendar.role === 'ignored' || calendar.connectionStatus !== 'connected') return;
    const connection = (await this.parts.connections.find(calendar.connectionId))!;
    if (this.parts.signers.webhook) {
      await this.ensurePush(calendar, connection).catch((error) =>
        this.parts.logger.warn(`${this.provider} push not opened`, { calendarId, error: (error as Error).message }),
      );
    }
    if (force || calendar.nextSyncAt.getTime() <= Date.now()) await this.sync(calendar, connection);
  }
}
