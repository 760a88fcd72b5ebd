import './telemetry';
import { runService } from '@calldesk/service-kit';
import { BookingModule } from './booking.module';
import { bookingConfig, checkBookingConfig } from './config';
import { migrations } from './migrations';

void runService({
  service: 'booking',
  module: BookingModule,
  config: bookingConfig,
  checkConfig: checkBookingConfig,
  migrations,
});
