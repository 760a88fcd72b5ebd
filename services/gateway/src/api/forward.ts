import type { DescMessage } from '@bufbuild/protobuf';
import { decodeJson, encodeJson, type Rpc } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { Injectable } from '@nestjs/common';

/**
 * Maps an HTTP call onto its NATS subject: the body (with the caller's tenant) is decoded by the
 * same strict codec the services use, so HTTP callers get the same invalid_argument answers, and
 * the reply goes back as the contract's JSON.
 */
@Injectable()
export class Forward {
  constructor(private readonly bus: Bus) {}

  /** Waits NATS_REQUEST_TIMEOUT_MS for the answer unless `timeoutMs` says otherwise. */
  async call<Req extends DescMessage, Res extends DescMessage>(
    rpc: Rpc<Req, Res>,
    body: Record<string, unknown>,
    options: { timeoutMs?: number } = {},
  ): Promise<unknown> {
    const request = decodeJson(rpc.request, JSON.stringify(body));
    return JSON.parse(encodeJson(rpc.response, await this.bus.request(rpc, request, options)));
  }
}

/** Query strings are text; the contract's numbers are numbers. */
export function numbers(query: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const converted = { ...query };
  for (const name of names) {
    const value = query[name];
    if (typeof value === 'string' && /^-?\d+$/.test(value)) converted[name] = Number(value);
  }
  return converted;
}
