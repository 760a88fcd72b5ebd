import { RpcError } from '@calldesk/contracts';

/** Too many calls or streams: 429 resource_exhausted, with Retry-After. */
export class Throttled extends RpcError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('resource_exhausted', message);
  }
}
