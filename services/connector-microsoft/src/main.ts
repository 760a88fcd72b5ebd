import './telemetry';
import { runService } from '@calldesk/service-kit';
import { microsoftConfig } from './config';
import { ConnectorMicrosoftModule } from './connector-microsoft.module';
import { migrations } from './migrations';

void runService({
  service: 'connector-microsoft',
  module: ConnectorMicrosoftModule,
  config: microsoftConfig,
  migrations,
});
