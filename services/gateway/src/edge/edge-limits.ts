import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '../config';
import { Throttled } from './throttled';
import { TokenBuckets } from './token-buckets';

/**
 * How often callers may call. A call with a valid key counts against its key; any other (no key,
 * an unknown or revoked one, the OAuth redirect) against its client address, before it may cost a
 * database read. A key found valid gives its address's count back, so a business with many keys
 * behind one address is not held back by that address.
 */
@Injectable()
export class EdgeLimits {
  private readonly byKey: TokenBuckets;
  private readonly byAddress: TokenBuckets;

  constructor(@Inject(SERVICE_CONFIG) config: GatewayConfig) {
    this.byKey = new TokenBuckets(
      config.RATE_LIMIT_KEY_PER_SECOND,
      config.RATE_LIMIT_KEY_BURST,
      config.RATE_LIMIT_TRACKED,
    );
    this.byAddress = new TokenBuckets(
      config.RATE_LIMIT_ADDRESS_PER_SECOND,
      config.RATE_LIMIT_ADDRESS_BURST,
      config.RATE_LIMIT_TRACKED,
    );
  }

  chargeAddress(address: string): void {
    const wait = this.byAddress.take(address);
    if (wait) throw new Throttled('too many calls without a valid key from this address', wait);
  }

  /** The call charged to its address turned out to carry a valid key. */
  refundAddress(address: string): void {
    this.byAddress.giveBack(address);
  }

  chargeKey(keyId: string): void {
    const wait = this.byKey.take(keyId);
    if (wait) throw new Throttled('too many calls with this api key', wait);
  }
}
