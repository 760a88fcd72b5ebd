import { LOGGER, PeriodicTask, SERVICE_CONFIG } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ConnectorEvents, memberOf } from '../connector-events';
import { CalendarProvider, type CalendarTarget } from './calendar-provider';
import { OAuthCalendarStore } from './calendar.store';
import { OAuthConnectionStore, type OAuthConnection } from './connection.store';
import type { OAuthConnectorConfig } from './oauth-config';
import { OAUTH_CONNECTOR, type OAuthConnectorOptions } from './oauth-connector-options';
import { OurEventChanges } from './our-event-changes';
import { OAuthPush } from './oauth-push';
import { CalendarRelisting } from './calendar-relisting';
import { OAuthSigners } from './signers';

/** One instance works on a calendar at a time: a lease in its row, longer than any sync. */
const LEASE_MS = 60_000;
/**
 * Connections whose calendar list one maintenance round reads again, at most: with the default
 * round and refresh, one instance keeps 12,000 connections' lists fresh.
 */
const RELIST_BATCH = 100;
/** Calendars one maintenance round syncs or renews push for, at most. */
const WORK_BATCH = 100;

type SyncConfig = Pick<
  OAuthConnectorConfig,
  'MAINTENANCE_INTERVAL_MS' | 'CALENDAR_LIST_REFRESH_MS' | 'SYNC_INTERVAL_MS'
>;

/**
 * Keeps each booking and blocking calendar of an OAuth provider in step: push (when
 * WEBHOOK_SECRET is set) and a sync after each push and periodically as the safety net, one
 * instance per calendar at a time, again at once if a push came meanwhile; each connection's
 * calendar list is read again now and then. A sync reads the changes since the calendar's cursor,
 * applies them to our booking events, and says the calendar changed when it did.
 */
@Injectable()
export class OAuthCalendarSync implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: SyncConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(OAUTH_CONNECTOR) private readonly options: OAuthConnectorOptions,
    private readonly provider: CalendarProvider,
    private readonly push: OAuthPush,
    private readonly calendars: OAuthCalendarStore,
    private readonly connections: OAuthConnectionStore,
    private readonly signers: OAuthSigners,
    private readonly ourEvents: OurEventChanges,
    private readonly relisting: CalendarRelisting,
    private readonly events: ConnectorEvents,
  ) {
    this.task = new PeriodicTask(
      `${options.provider} maintenance`,
      config.MAINTENANCE_INTERVAL_MS,
      () => this.maintain(),
      logger,
    );
  }

  onApplicationBootstrap(): void {
    if (!this.signers.webhook)
      this.logger.warn('WEBHOOK_SECRET is not set: no push, changes are found by the periodic sync only');
    this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** A push arrived for the calendar: sync it now (or right after the sync in progress). */
  async pushed(calendarId: string): Promise<void> {
    await this.calendars.requestSync(calendarId);
    await this.work(calendarId, true);
  }

  /** Opens the calendar's push (if on) and syncs it, now: after a connect, a role change or a new calendar. */
  async start(calendarId: string): Promise<void> {
    await this.work(calendarId, true);
  }

  private async maintain(): Promise<void> {
    for (const connection of await this.connections.dueForRelisting(
      this.config.CALENDAR_LIST_REFRESH_MS,
      RELIST_BATCH,
    )) {
      await this.relist(connection).catch((error) =>
        this.logger.warn('calendar list not read', { connectionId: connection.id, error: (error as Error).message }),
      );
    }
    for (const calendar of await this.calendars.needingWork(
      Boolean(this.signers.webhook),
      this.push.renewWithinMs,
      WORK_BATCH,
    )) {
      await this.work(calendar.id, false);
    }
    await this.push.forgetStale();
  }

  /** Reads the connection's calendar list again: calendars made since start syncing, deleted ones stop. */
  private async relist(connection: OAuthConnection): Promise<void> {
    for (const calendar of await this.relisting.relist(connection)) await this.start(calendar.id);
  }

  /** Under the calendar's lease: push, then the sync (when due, or `force`), again if a push came meanwhile. */
  private async work(calendarId: string, force: boolean): Promise<void> {
    let takenAt = await this.calendars.lease(calendarId, LEASE_MS);
    while (takenAt) {
      try {
        await this.once(calendarId, force);
      } catch (error) {
        this.logger.warn('calendar sync failed', { calendarId, error: (error as Error).message });
      }
      const again = await this.calendars.release(calendarId, takenAt);
      takenAt = again ? await this.calendars.lease(calendarId, LEASE_MS) : undefined;
      force = true;
    }
  }

  private async once(calendarId: string, force: boolean): Promise<void> {
    const calendar = await this.calendars.byId(calendarId);
    if (!calendar || calendar.role === 'ignored' || calendar.connectionStatus !== 'connected') return;
    const connection = (await this.connections.find(calendar.connectionId))!;
    if (this.signers.webhook) {
      await this.push
        .ensure(calendar, connection)
        .catch((error) =>
          this.logger.warn(`${this.options.provider} push not opened`, { calendarId, error: (error as Error).message }),
        );
    }
    if (force || calendar.nextSyncAt.getTime() <= Date.now()) await this.sync({ calendar, connection });
  }

  private async sync(target: CalendarTarget): Promise<void> {
    const { calendar } = target;
    const changes = await this.provider.listChanges(target, calendar.syncToken);
    await this.ourEvents.apply(target, changes);
    await this.calendars.saveSyncToken(calendar.id, changes.cursor, this.config.SYNC_INTERVAL_MS);
    if (changes.changed) await this.events.calendarChanged(memberOf(calendar), calendar.id, `sync:${changes.changed}`);
  }
}
