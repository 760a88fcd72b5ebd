import { fromJson, toJson, type JsonObject } from '@bufbuild/protobuf';
import {
  CreateHoldRequestSchema,
  HoldOutcomeSchema,
  Rpcs,
  RpcError,
  type CreateHoldRequest,
  type ReleaseHoldRequest,
} from '@calldesk/contracts';
import { HandleRpc, SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { BookingConfig } from '../config';
import { Deadline } from '../bookings/deadline';
import { Idempotent } from '../idempotency/idempotent';
import { CreateHold } from './create-hold';
import { HoldRepository, toHold } from './hold.repository';

const MAX_HOLD_SECONDS = 900;
const MAX_KEY_LENGTH = 200;

/** calendar.v1.holds.*: a slot held while the caller gives their details, and let go. */
@Injectable()
export class HoldsHandler {
  constructor(
    private readonly idempotent: Idempotent,
    private readonly creator: CreateHold,
    private readonly holds: HoldRepository,
    @Inject(SERVICE_CONFIG) private readonly config: BookingConfig,
  ) {}

  @HandleRpc(Rpcs.holdsCreate)
  async create(request: CreateHoldRequest) {
    const deadline = new Deadline(this.config);
    if (request.idempotencyKey.length > MAX_KEY_LENGTH) {
      throw RpcError.invalidArgument('idempotencyKey', `idempotencyKey must be at most ${MAX_KEY_LENGTH} characters`);
    }
    if (request.ttlSeconds !== undefined && (request.ttlSeconds < 1 || request.ttlSeconds > MAX_HOLD_SECONDS)) {
      throw RpcError.invalidArgument('ttlSeconds', `ttlSeconds must be from 1 to ${MAX_HOLD_SECONDS}`);
    }
    const routed = this.creator.route(request);
    // A replayed request never looks at it; its failure is the run's to report.
    routed.candidates.catch(() => undefined);
    const reply = await this.idempotent.run(
      request.tenantId,
      request.idempotencyKey,
      { operation: 'hold', ...(toJson(CreateHoldRequestSchema, request) as JsonObject) },
      (claim) => this.creator.create(request, claim, routed, deadline),
    );
    return fromJson(HoldOutcomeSchema, reply);
  }

  /** Letting go of a hold twice, or of one that ended, answers it as it stands. */
  @HandleRpc(Rpcs.holdsRelease)
  async release(request: ReleaseHoldRequest) {
    const hold = await this.holds.release(request.tenantId, request.holdId);
    if (!hold || !['held', 'released', 'expired', 'pending', 'confirmed', 'cancelled'].includes(hold.status))
      throw RpcError.notFound('hold', request.holdId);
    return { hold: toHold(hold) };
  }
}
