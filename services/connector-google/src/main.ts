import './telemetry';
import { runService } from '@calldesk/service-kit';
import { googleConfig } from './config';
import { ConnectorGoogleModule } from './connector-google.module';
import { migrations } from './migrations';

void runService({ service: 'connector-google', module: ConnectorGoogleModule, config: googleConfig, migrations });
