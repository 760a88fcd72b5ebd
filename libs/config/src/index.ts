export { ConfigError, loadConfig } from './load-config';
export { baseConfig, type BaseConfig } from './base-config';
export { setting } from './settings';
