import './telemetry';
import { runService } from '@calldesk/service-kit';
import { gatewayConfig } from './config';
import { GatewayModule } from './gateway.module';

void runService({ service: 'gateway', module: GatewayModule, config: gatewayConfig, httpPort: (config) => config.PORT });
