import './telemetry';
import { runService } from '@calldesk/service-kit';
import { routingConfig } from './config';
import { routingMigrations } from './migrations';
import { RoutingModule } from './routing.module';

void runService({ service: 'routing', module: RoutingModule, config: routingConfig, migrations: routingMigrations });
