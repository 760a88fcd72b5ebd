import './telemetry';
import { baseConfig } from '@calldesk/config';
import { runService } from '@calldesk/service-kit';
import { ConnectorGoogleModule } from './connector-google.module';

void runService({ service: 'connector-google', module: ConnectorGoogleModule, config: baseConfig });
