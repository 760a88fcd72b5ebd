import './telemetry';
import { baseConfig } from '@calldesk/config';
import { runService } from '@calldesk/service-kit';
import { ConnectorMicrosoftModule } from './connector-microsoft.module';

void runService({ service: 'connector-microsoft', module: ConnectorMicrosoftModule, config: baseConfig });
