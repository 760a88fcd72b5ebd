import './telemetry';
import { runService } from '@calldesk/service-kit';
import { AvailabilityModule } from './availability.module';
import { availabilityConfig } from './config';
import { migrations } from './migrations';

void runService({ service: 'availability', module: AvailabilityModule, config: availabilityConfig, migrations });
