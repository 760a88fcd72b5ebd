import { Broadcasts } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ApiKeys } from './api-keys';
import { LiveStreams } from './live-streams';

/**
 * A key revoked on one gateway instance is refused by all at once: the database says so for good,
 * and a broadcast tells every instance to forget the key and close its live streams. Should an
 * instance miss the broadcast, both last API_KEY_CACHE_TTL_MS at most.
 */
@Injectable()
export class KeyRevocations implements OnApplicationBootstrap {
  constructor(
    private readonly bus: Bus,
    private readonly keys: ApiKeys,
    private readonly streams: LiveStreams,
  ) {}

  onApplicationBootstrap(): void {
    this.bus.hear(Broadcasts.apiKeyRevoked, ({ keyId }) => this.forget(keyId));
  }

  /** False when the tenant has no such live key. Answers once every instance has been told. */
  async revoke(tenantId: string, keyId: string): Promise<boolean> {
    if (!(await this.keys.markRevoked(tenantId, keyId))) return false;
    this.forget(keyId);
    this.bus.broadcast(Broadcasts.apiKeyRevoked, { keyId });
    await this.bus.connection.flush();
    return true;
  }

  private forget(keyId: string): void {
    this.keys.forget(keyId);
    this.streams.closeCredential(keyId);
  }
}
