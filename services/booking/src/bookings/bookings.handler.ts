import { fromJson, toJson, type JsonObject } from '@bufbuild/protobuf';
import {
  BookingOutcomeSchema,
  CreateBookingRequestSchema,
  RescheduleBookingRequestSchema,
  Rpcs,
  RpcError,
  type CancelBookingRequest,
  type CreateBookingRequest,
  type GetBookingRequest,
  type ListBookingsRequest,
  type RescheduleBookingRequest,
} from '@calldesk/contracts';
import { HandleRpc, SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { BookingConfig } from '../config';
import { Idempotent } from '../idempotency/idempotent';
import { BookingRepository, isVisibleBooking, toBooking } from './booking.repository';
import { ChangeBooking } from './change-booking';
import { CreateBooking } from './create-booking';
import { Deadline } from './deadline';

const LIMITS = { idempotencyKey: 200, name: 200, notes: 4_000, transcriptUrl: 2_048, reason: 1_000 };
const MAX_PAGE = 200;

/**
 * calendar.v1.bookings.*: validation, idempotency and the deadline of creates and reschedules
 * here, the protocol in CreateBooking and ChangeBooking.
 */
@Injectable()
export class BookingsHandler {
  constructor(
    private readonly idempotent: Idempotent,
    private readonly creator: CreateBooking,
    private readonly changer: ChangeBooking,
    private readonly bookings: BookingRepository,
    @Inject(SERVICE_CONFIG) private readonly config: BookingConfig,
  ) {}

  @HandleRpc(Rpcs.bookingsCreate)
  async create(request: CreateBookingRequest) {
    const deadline = new Deadline(this.config);
    tooLong('idempotencyKey', request.idempotencyKey, LIMITS.idempotencyKey);
    tooLong('customer.name', request.customer!.name, LIMITS.name);
    if (!request.customer!.name.trim())
      throw RpcError.invalidArgument('customer.name', 'customer.name must not be blank');
    tooLong('notes', request.notes, LIMITS.notes);
    tooLong('transcriptUrl', request.transcriptUrl, LIMITS.transcriptUrl);
    const routed = this.creator.route(request);
    // A replayed request never looks at it; its failure is the run's to report.
    routed.candidates.catch(() => undefined);
    const reply = await this.idempotent.run(
      request.tenantId,
      request.idempotencyKey,
      toJson(CreateBookingRequestSchema, request) as JsonObject,
      (claim) => this.creator.create(request, claim, routed, deadline),
    );
    return fromJson(BookingOutcomeSchema, reply);
  }

  @HandleRpc(Rpcs.bookingsReschedule)
  async reschedule(request: RescheduleBookingRequest) {
    const deadline = new Deadline(this.config);
    tooLong('idempotencyKey', request.idempotencyKey, LIMITS.idempotencyKey);
    const reply = await this.idempotent.run(
      request.tenantId,
      request.idempotencyKey,
      { operation: 'reschedule', ...(toJson(RescheduleBookingRequestSchema, request) as JsonObject) },
      () => this.changer.reschedule(request, deadline),
    );
    return fromJson(BookingOutcomeSchema, reply);
  }

  @HandleRpc(Rpcs.bookingsCancel)
  cancel(request: CancelBookingRequest) {
    tooLong('reason', request.reason, LIMITS.reason);
    return this.changer.cancel(request);
  }

  @HandleRpc(Rpcs.bookingsGet)
  async get(request: GetBookingRequest) {
    const booking = await this.bookings.get(request.tenantId, request.bookingId);
    if (!isVisibleBooking(booking)) throw RpcError.notFound('booking', request.bookingId);
    return { booking: toBooking(booking) };
  }

  @HandleRpc(Rpcs.bookingsList)
  async list(request: ListBookingsRequest) {
    const pageSize = request.pageSize ?? 50;
    if (pageSize < 1 || pageSize > MAX_PAGE)
      throw RpcError.invalidArgument('pageSize', `pageSize must be from 1 to ${MAX_PAGE}`);
    const from = new Date(request.from);
    const to = new Date(request.to);
    if (to <= from) throw RpcError.invalidArgument('to', 'to must be after from');
    const rows = await this.bookings.list(
      request.tenantId,
      { from, to },
      request.memberId,
      pageSize + 1,
      readCursor(request.pageToken),
    );
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      bookings: page.map(toBooking),
      nextPageToken:
        rows.length > pageSize && last
          ? Buffer.from(JSON.stringify([last.start.toISOString(), last.id])).toString('base64url')
          : undefined,
    };
  }
}

function tooLong(field: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max)
    throw RpcError.invalidArgument(field, `${field} must be at most ${max} characters`);
}

function readCursor(token: string | undefined): { start: Date; id: string } | undefined {
  if (!token) return undefined;
  try {
    const [start, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof id !== 'string' || Number.isNaN(Date.parse(start))) throw new Error();
    return { start: new Date(start), id };
  } catch {
    throw RpcError.invalidArgument('pageToken', 'pageToken is not one this service issued');
  }
}
