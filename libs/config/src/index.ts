export { ConfigError, loadConfig } from './load-config';
export { baseConfig, type BaseConfig } from './base-config';
export { bookingDeadlineConfig, bookingReplyWaitMs } from './booking-deadline';
export { setting } from './settings';
