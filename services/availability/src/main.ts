import './telemetry';
import { baseConfig } from '@calldesk/config';
import { runService } from '@calldesk/service-kit';
import { AvailabilityModule } from './availability.module';

void runService({ service: 'availability', module: AvailabilityModule, config: baseConfig });
