import './telemetry';
import { baseConfig } from '@calldesk/config';
import { runService } from '@calldesk/service-kit';
import { ConnectorCaldavModule } from './connector-caldav.module';

void runService({ service: 'connector-caldav', module: ConnectorCaldavModule, config: baseConfig });
