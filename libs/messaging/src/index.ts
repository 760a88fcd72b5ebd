export { Bus, Decline, type BusOptions, type Handler } from './bus';
export { EventStreams, backoff, type ConsumeOptions, type Delivery, type EventSource } from './event-streams';
export { natsAnswers } from './nats-answers';
