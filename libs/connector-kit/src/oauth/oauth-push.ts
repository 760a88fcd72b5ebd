import { randomUUID } from 'node:crypto';
import { LOGGER } from '@calldesk/service-kit';
import { issueChannelSecret } from '@calldesk/signing';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { ProviderError } from '../provider-error';
import type { OAuthCalendar } from './calendar.store';
import type { OAuthConnection } from './connection.store';
import { PushChannelStore, type PushChannel } from './push-channel.store';
import { PushChannels } from './push-channels';
import { OAuthSigners } from './signers';

/** A channel left 'opening' this long had its opening call fail midway. */
const STALE_CHANNEL_MS = 10 * 60_000;

/**
 * One push channel per booking and blocking calendar, while WEBHOOK_SECRET is set: renewed in
 * place where the provider can, else a new one opened before the old ones are closed; closed
 * when the calendar is ignored, removed or disconnected.
 */
@Injectable()
export class OAuthPush {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly channels: PushChannels,
    private readonly store: PushChannelStore,
    private readonly signers: OAuthSigners,
  ) {}

  get renewWithinMs(): number {
    return this.channels.renewWithinMs;
  }

  /** A channel for the calendar that outlives the renewal margin. */
  async ensure(calendar: OAuthCalendar, connection: OAuthConnection): Promise<void> {
    const existing = await this.store.ofCalendar(calendar.id);
    const renewAt = Date.now() + this.channels.renewWithinMs;
    if (existing.some((c) => c.state === 'open' && (c.expiresAt?.getTime() ?? 0) > renewAt)) return;
    const target = { connection, calendar };
    const current = existing.find((c) => c.state === 'open' && c.providerId);
    let gone: PushChannel | undefined;
    if (current) {
      try {
        const renewed = await this.channels.renew(target, current.providerId!);
        if (renewed) {
          await this.store.renewed(current.id, renewed);
          return;
        }
      } catch (error) {
        // The provider removed it: a new one is opened.
        if (!isNotFound(error)) throw error;
        await this.store.remove(current.id);
        gone = current;
      }
    }
    const id = randomUUID();
    const secret = issueChannelSecret(this.signers.webhook!, id);
    // Stored first: the provider's first message may arrive before its answer.
    await this.store.add(id, calendar.id, secret);
    try {
      const opened = await this.channels.open(target, { id, secret });
      await this.store.opened(id, opened.providerId, opened.expiresAt);
    } catch (error) {
      await this.store.remove(id);
      throw error;
    }
    for (const old of existing) if (old !== gone) await this.close(old, connection);
  }

  /** Closes the calendar's channels at the provider (while the connection is connected) and forgets them. */
  async stop(calendar: OAuthCalendar, connection?: OAuthConnection): Promise<void> {
    for (const channel of await this.store.ofCalendar(calendar.id)) await this.close(channel, connection);
  }

  /** Forgets channels whose opening failed midway. */
  async forgetStale(): Promise<void> {
    for (const channel of await this.store.stale(STALE_CHANNEL_MS)) await this.store.remove(channel.id);
  }

  private async close(channel: PushChannel, connection?: OAuthConnection): Promise<void> {
    if (connection?.status === 'connected' && channel.providerId) {
      const target = { connection, calendar: { id: channel.calendarId } };
      await this.channels.close(target, { id: channel.id, providerId: channel.providerId }).catch((error) => {
        // Gone already, or unreachable: it expires on its own, and its messages are refused.
        if (!isNotFound(error))
          this.logger.warn('push channel not closed', { channelId: channel.id, error: (error as Error).message });
      });
    }
    await this.store.remove(channel.id);
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof ProviderError && error.kind === 'not_found';
}
