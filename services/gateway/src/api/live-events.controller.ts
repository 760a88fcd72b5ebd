import { Controller, Get, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { Operation } from '../openapi/operation';
import { AuthGuard, type AuthenticatedRequest } from './auth.guard';
import { LiveStreams } from './live-streams';

/**
 * The dashboard's live feed (server-sent events): every booking, calendar and connection event of
 * the caller's tenant as it happens. Browsers' EventSource sends no headers: the dashboard's
 * stream is opened with its session cookie. It is a view, not a record: a client that reconnects reads
 * the current state through the API.
 */
@Controller('v1/events')
@UseGuards(AuthGuard)
export class LiveEventsController {
  constructor(private readonly streams: LiveStreams) {}

  @Get()
  @Operation({
    summary: 'The tenant’s events as they happen (server-sent events)',
    responses: {
      200: {
        mediaType: 'text/event-stream',
        description:
          'Events named booking.confirmed, booking.rescheduled, booking.cancelled and booking.flagged (data: a v1.Booking), calendar.changed (v1.CalendarChanged), connection.status (v1.ConnectionStatusChanged), availability.changed (v1.AvailabilityChanged) and calendar.booking_event_changed (v1.BookingEventChanged), each as one line of JSON.',
      },
    },
  })
  stream(@Req() request: AuthenticatedRequest, @Res() response: Response): void {
    this.streams.open({ tenantId: request.tenantId, credentialId: request.credentialId }, request, response);
  }
}
