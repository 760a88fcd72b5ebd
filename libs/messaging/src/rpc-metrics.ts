import { meter } from '@calldesk/telemetry';
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
    this.server = meter().createHistogram('rpc.server.duration', { unit: 'ms', description: 'Time to answer a NATS request, per subject and error code' });
    this.client = meter().createHistogram('rpc.client.duration', { unit: 'ms', description: 'Time until a NATS request was answered or failed, per subject and error code' });
  }

  served(subject: string, startedAt: number, result: RpcResult): void {
    this.server.record(performance.now() - startedAt, { subject, error_code: result });
  }

  called(subject: string, startedAt: number, result: RpcResult): void {
    this.client.record(performance.now() - startedAt, { subject, error_code: result });
  }
}
