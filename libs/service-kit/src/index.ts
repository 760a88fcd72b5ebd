export { runService, type ServiceDefinition } from './run-service';
export { ServiceKitModule, serviceRoot } from './service-kit.module';
export { HandleEvent, HandleRpc } from './handler-decorators';
export { HealthService, ReportsHealth, type HealthCheck } from './health';
export { LOGGER, SERVICE_CONFIG, SERVICE_NAME } from './tokens';
export { PeriodicTask } from './periodic-task';
