export {
  CircuitBreaker,
  CircuitBreakers,
  type CircuitBreakerOptions,
  type CircuitState,
  type Permit,
} from './circuit-breaker';
export { systemClock, type Clock } from './clock';
export { ProviderUnavailable, type GiveUpReason } from './provider-unavailable';
export { parseRetryAfter } from './retry-after';
export {
  AttemptTimeout,
  DEFAULT_RETRY_POLICY,
  RetryPolicy,
  type CallOptions,
  type RetryPolicyOptions,
  type Verdict,
} from './retry-policy';
