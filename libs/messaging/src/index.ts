export { Bus, Decline, NATS_PING, type BusOptions, type ErrorClassifier, type Handler, type NatsIdentity } from './bus';
export {
  EventStreams,
  backoff,
  PULL,
  type ConsumeOptions,
  type Delivery,
  type EventSource,
  type StreamLimits,
  type StreamMark,
} from './event-streams';
export { natsAnswers } from './nats-answers';
export { forEachPage } from './pages';
export {
  deployedNatsAuthorization,
  natsServerAuthorization,
  passwordVariable,
  type PasswordSource,
} from './nats-server-auth';
export { contextFromTraceContext, traceContextNow } from './trace-headers';
