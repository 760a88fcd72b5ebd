export * from './database';
export * from './nats';
export * from './otlp-receiver';
export * from './processes';
export * from './in-process-service';
export * from './system';
export * from './test-connector';
