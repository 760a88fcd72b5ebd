import { create, toJson, type JsonObject, type MessageInitShape } from '@bufbuild/protobuf';
import { BookingOutcome_Outcome, BookingOutcomeSchema, RpcError } from '@calldesk/contracts';
import { toBooking, type BookingRow } from './booking.repository';

export function confirmed(row: BookingRow): JsonObject {
  return outcomeJson({ outcome: BookingOutcome_Outcome.confirmed, booking: toBooking(row) });
}

/** Replies are kept as their wire JSON, so a replay is byte-for-byte the first answer. */
export function outcomeJson(outcome: MessageInitShape<typeof BookingOutcomeSchema>): JsonObject {
  return toJson(BookingOutcomeSchema, create(BookingOutcomeSchema, outcome), {
    alwaysEmitImplicit: true,
  }) as JsonObject;
}

export function asRpcError(error: unknown): RpcError {
  return error instanceof RpcError ? error : new RpcError('unavailable', (error as Error).message);
}
