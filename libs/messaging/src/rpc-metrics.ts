import { histogram, METRICS } from '@calldesk/telemetry';
import type { Histogram } from '@opentelemetry/api';

/** What a call came to: `ok`, or the contract's error code it was answered with. */
export type RpcResult = 'ok' | string;

/**
 * Duration of every request/reply, per contract subject and result, on both sides: a histogram's
 * count is the rate and its `error_code` the errors. The subject is always the contract's own
 * (never one carrying ids), so the series stay few.
 */
export class RpcMetrics {
  private readonly server: Histogram;
  private readonly client: Histogram;

  constructor() {
    this.server = histogram(METRICS.rpcServerDuration);
    this.client = histogram(METRICS.rpcClientDuration);
  }

  served(subject: string, startedAt: number, result: RpcResult): void {
    this.server.record(performance.now() - startedAt, { subject, error_code: result });
  }

  called(subject: string, startedAt: number, result: RpcResult): void {
    this.client.record(performance.now() - startedAt, { subject, error_code: result });
  }
}
