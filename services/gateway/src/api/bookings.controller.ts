import { bookingReplyWaitMs } from '@calldesk/config';
import { BookingOutcomeSchema, Rpcs, RpcError } from '@calldesk/contracts';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Body, Controller, Get, Headers, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { GatewayConfig } from '../config';
import { forwards, Operation } from '../openapi/operation';
import { AuthGuard, type AuthenticatedRequest } from './auth.guard';
import { Forward, numbers } from './forward';
import { scoped } from './scoped';

/**
 * Bookings over HTTP: create and reschedule take an Idempotency-Key header; a conflict is 409.
 * Those two are waited for as long as booking may take over them (BOOKING_DEADLINE_MS and a
 * margin), so that no client is told 504 about a booking that then confirms.
 */
@Controller('v1/bookings')
@UseGuards(AuthGuard)
export class BookingsController {
  private readonly bookingWait: { timeoutMs: number };

  constructor(
    private readonly forward: Forward,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
  ) {
    this.bookingWait = { timeoutMs: bookingReplyWaitMs(config) };
  }

  @Post()
  @Operation(
    forwards(Rpcs.bookingsCreate, {
      summary: 'Book an appointment: 201 confirmed, or 409 with the conflict and alternatives',
      in: 'body',
      headers: { 'Idempotency-Key': 'idempotencyKey' },
      status: 201,
      alsoAnswers: { 409: BookingOutcomeSchema },
    }),
  )
  async create(
    @Req() request: AuthenticatedRequest,
    @Body() body: Record<string, unknown>,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    const reply = (await this.forward.call(
      Rpcs.bookingsCreate,
      scoped(request, { ...body, idempotencyKey: required(key) }),
      this.bookingWait,
    )) as {
      outcome: string;
    };
    response.status(reply.outcome === 'confirmed' ? 201 : 409);
    return reply;
  }

  @Post(':id/reschedule')
  @Operation(
    forwards(Rpcs.bookingsReschedule, {
      summary: 'Move a booking: 200 confirmed, or 409 with the conflict and alternatives',
      in: 'body',
      path: { id: 'bookingId' },
      headers: { 'Idempotency-Key': 'idempotencyKey' },
      alsoAnswers: { 409: BookingOutcomeSchema },
    }),
  )
  async reschedule(
    @Req() request: AuthenticatedRequest,
    @Param('id') bookingId: string,
    @Body() body: Record<string, unknown>,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    const reply = (await this.forward.call(
      Rpcs.bookingsReschedule,
      scoped(request, { ...body, bookingId, idempotencyKey: required(key) }),
      this.bookingWait,
    )) as { outcome: string };
    response.status(reply.outcome === 'confirmed' ? 200 : 409);
    return reply;
  }

  @Post(':id/cancel')
  @Operation(
    forwards(Rpcs.bookingsCancel, {
      summary: 'Cancel a booking (twice answers the same)',
      in: 'body',
      path: { id: 'bookingId' },
    }),
  )
  cancel(@Req() request: AuthenticatedRequest, @Param('id') bookingId: string, @Body() body: Record<string, unknown>) {
    return this.forward.call(Rpcs.bookingsCancel, scoped(request, { ...body, bookingId }));
  }

  @Get(':id')
  @Operation(forwards(Rpcs.bookingsGet, { summary: 'A booking', in: 'query', path: { id: 'bookingId' } }))
  get(@Req() request: AuthenticatedRequest, @Param('id') bookingId: string) {
    return this.forward.call(Rpcs.bookingsGet, scoped(request, { bookingId }));
  }

  @Get()
  @Operation(forwards(Rpcs.bookingsList, { summary: 'The bookings between two times, a page at a time', in: 'query' }))
  list(@Req() request: AuthenticatedRequest, @Query() query: Record<string, unknown>) {
    return this.forward.call(Rpcs.bookingsList, scoped(request, numbers(query, ['pageSize'])));
  }
}

function required(key: string | undefined): string {
  if (!key)
    throw RpcError.invalidArgument(
      'Idempotency-Key',
      'send an Idempotency-Key header: a retry with the same key is answered, not repeated',
    );
  return key;
}
