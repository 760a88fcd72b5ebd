import './telemetry';
import { runService } from '@calldesk/service-kit';
import { BookingModule } from './booking.module';
import { bookingConfig } from './config';
import { migrations } from './migrations';

void runService({ service: 'booking', module: BookingModule, config: bookingConfig, migrations });
