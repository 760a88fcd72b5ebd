import { RpcError } from '@calldesk/contracts';
import { Injectable } from '@nestjs/common';
import { IdempotencyStore, requestHash, type Claim } from './idempotency.store';

const WAIT_STEP_MS = 20;
const WAIT_LIMIT_MS = 25_000;

/**
 * Runs a keyed request at most once and answers every repeat with the same reply. Repeats that
 * arrive at this instance while the first runs share its promise; repeats at other instances poll
 * the stored record until the reply is there.
 */
@Injectable()
export class Idempotent {
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly store: IdempotencyStore) {}

  async run<Reply>(
    tenantId: string,
    key: string,
    request: Record<string, unknown>,
    work: (claim: Claim) => Promise<Reply>,
  ): Promise<Reply> {
    const hash = requestHash(request);
    const local = `${tenantId}\u0000${key}`;
    const inFlight = this.running.get(local);
    if (inFlight) {
      await inFlight.catch(() => undefined);
      // The first run's request may differ from this one: the store compares and replays.
    }
    const attempt = this.attempt(tenantId, key, hash, work);
    this.running.set(local, attempt);
    try {
      return await attempt;
    } finally {
      if (this.running.get(local) === attempt) this.running.delete(local);
    }
  }

  private async attempt<Reply>(
    tenantId: string,
    key: string,
    hash: string,
    work: (claim: Claim) => Promise<Reply>,
  ): Promise<Reply> {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (;;) {
      const claimed = await this.store.claim(tenantId, key, hash);
      if (claimed.kind === 'replay') return revive(claimed.reply) as Reply;
      if (claimed.kind === 'run') return this.execute(claimed.claim, work);
      if (Date.now() > deadline) {
        throw new RpcError('unavailable', 'a request with this idempotencyKey is still being answered; try again', {
          retryable: true,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }

  private async execute<Reply>(claim: Claim, work: (claim: Claim) => Promise<Reply>): Promise<Reply> {
    try {
      const reply = await work(claim);
      if (!claim.answered) await this.store.complete(claim, reply);
      return reply;
    } catch (error) {
      // Refusals of the request itself are answers too; anything else may go better on retry.
      if (error instanceof RpcError && (error.code === 'invalid_argument' || error.code === 'not_found')) {
        await this.store.complete(claim, error.toJSON());
      } else {
        await this.store.release(claim);
      }
      throw error;
    }
  }
}

/** A stored refusal is thrown again, exactly as it was first answered. */
function revive(reply: unknown): unknown {
  const error = (reply as { error?: { code: RpcError['code']; message: string; details: Record<string, unknown> } })
    .error;
  if (error) throw new RpcError(error.code, error.message, error.details);
  return reply;
}
