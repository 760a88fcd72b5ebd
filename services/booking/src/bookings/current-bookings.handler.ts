import { InternalRpcs, RpcError, type CurrentBookingsRequest } from '@calldesk/contracts';
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
import { BookingRepository, isUuid, toBooking } from './booking.repository';

const MAX_PAGE = 200;

/**
 * calendar.internal.booking.current: the bookings as they stand now, for availability and routing
 * to rebuild their projections from when booking events they never saw have aged out of the stream.
 */
@Injectable()
export class CurrentBookingsHandler {
  constructor(private readonly bookings: BookingRepository) {}

  @HandleRpc(InternalRpcs.currentBookings)
  async current(request: CurrentBookingsRequest) {
    const pageSize = Math.min(Math.max(request.pageSize ?? MAX_PAGE, 1), MAX_PAGE);
    if (request.pageToken !== undefined && !isUuid(request.pageToken)) {
      throw RpcError.invalidArgument('pageToken', 'pageToken is not one this service issued');
    }
    const rows = await this.bookings.current(new Date(request.endsAfter), pageSize + 1, request.pageToken);
    const page = rows.slice(0, pageSize);
    return {
      bookings: page.map(toBooking),
      nextPageToken: rows.length > pageSize ? page[page.length - 1].id : undefined,
    };
  }
}
