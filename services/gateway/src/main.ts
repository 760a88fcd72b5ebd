import './telemetry';
import { runService } from '@calldesk/service-kit';
import { gatewayConfig } from './config';
import { GatewayModule } from './gateway.module';
import { migrations } from './migrations';

void runService({
  service: 'gateway',
  module: GatewayModule,
  config: gatewayConfig,
  migrations,
  httpPort: (config) => config.PORT,
});
