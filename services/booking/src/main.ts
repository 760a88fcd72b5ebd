import './telemetry';
import { baseConfig } from '@calldesk/config';
import { runService } from '@calldesk/service-kit';
import { BookingModule } from './booking.module';

void runService({ service: 'booking', module: BookingModule, config: baseConfig });
