import './telemetry';
import { runService } from '@calldesk/service-kit';
import { caldavConfig } from './config';
import { ConnectorCaldavModule } from './connector-caldav.module';
import { migrations } from './migrations';

void runService({ service: 'connector-caldav', module: ConnectorCaldavModule, config: caldavConfig, migrations });
