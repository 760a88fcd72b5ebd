import './telemetry';
import { baseConfig } from '@calldesk/config';
import { runService } from '@calldesk/service-kit';
import { RoutingModule } from './routing.module';

void runService({ service: 'routing', module: RoutingModule, config: baseConfig });
