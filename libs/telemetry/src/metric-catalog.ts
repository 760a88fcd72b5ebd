/**
 * Every metric the services export, in one list: what each instrument is made from (metrics.ts),
 * what deploy/README.md names, and what the Grafana dashboard and the alert rules may refer to
 * (a unit spec holds them to it). Durations are in milliseconds. Labels are bounded: contract
 * subjects, outcomes, error codes, providers, operations, statuses and consumer names, never ids.
 */
export const METRICS = {
  rpcServerDuration: {
    name: 'rpc.server.duration',
    kind: 'histogram',
    unit: 'ms',
    description: 'Time to answer a NATS request, per subject and error code',
  },
  rpcClientDuration: {
    name: 'rpc.client.duration',
    kind: 'histogram',
    unit: 'ms',
    description: 'Time until a NATS request was answered or failed, per subject and error code',
  },
  eventRedeliveries: {
    name: 'events.redeliveries',
    kind: 'counter',
    description: 'Events delivered to a consumer again, per consumer',
  },
  eventDeadLetters: {
    name: 'events.dead_letters',
    kind: 'counter',
    description: 'Events a consumer gave up on and dead-lettered, per consumer and cause',
  },
  eventConsumerPending: {
    name: 'events.consumer.pending',
    kind: 'gauge',
    description:
      'Events in the stream a consumer has not settled yet (not delivered, or delivered and not acknowledged), per consumer',
  },
  bookingOutcomes: {
    name: 'booking.outcomes',
    kind: 'counter',
    description: 'New bookings by outcome and conflict reason',
  },
  bookingCreateDuration: {
    name: 'booking.create.duration',
    kind: 'histogram',
    unit: 'ms',
    description: 'Time to decide a new booking, by outcome and conflict reason',
  },
  bookingLockWait: {
    name: 'booking.lock.wait',
    kind: 'histogram',
    unit: 'ms',
    description: 'Time a booking attempt waited for its calendar lock',
  },
  outboxBacklog: {
    name: 'outbox.backlog',
    kind: 'gauge',
    description: 'Booking events not yet published to the stream',
  },
  outboxOldestAge: {
    name: 'outbox.oldest_age',
    kind: 'gauge',
    unit: 's',
    description: 'Age of the oldest booking event not yet published',
  },
  busyCacheHits: {
    name: 'availability.busy_cache.hits',
    kind: 'counter',
    description: 'Busy-time reads answered from the cache, per provider',
  },
  busyCacheMisses: {
    name: 'availability.busy_cache.misses',
    kind: 'counter',
    description: 'Busy-time reads the cache could not answer, per provider',
  },
  liveCheckDuration: {
    name: 'availability.live_check.duration',
    kind: 'histogram',
    unit: 'ms',
    description: "Time of a booking check's live read of the provider, per provider and outcome",
  },
  syncLag: {
    name: 'availability.sync.lag',
    kind: 'histogram',
    unit: 'ms',
    description:
      'Time from a connector seeing a change at the provider to this instance dropping the calendar from its cache, per provider',
    // Past the default buckets' 10 s: the alert is on a lag over 60 s.
    buckets: [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 900_000],
  },
  providerCallDuration: {
    name: 'provider.call.duration',
    kind: 'histogram',
    unit: 'ms',
    description:
      'Time of one attempt of a provider API call, per provider, operation and status (ok, the HTTP status of a failure, timeout or no_answer)',
  },
  providerBreakersOpen: {
    name: 'provider.breakers.open',
    kind: 'up_down_counter',
    description:
      'Connections whose circuit breaker is open or half open (refusing calls, or waiting for its probe), per provider',
  },
  tokenRefreshFailures: {
    name: 'connector.token_refresh.failures',
    kind: 'counter',
    description: 'OAuth access-token refreshes that failed, per provider and reason (auth_rejected: the grant is dead)',
  },
  connections: {
    name: 'connector.connections',
    kind: 'gauge',
    description: 'Calendar connections per provider and status (connected, needs_reauth, disconnected)',
  },
  liveStreams: {
    name: 'gateway.live_streams',
    kind: 'up_down_counter',
    description: 'Live event streams (SSE clients) open on this gateway instance',
  },
  memoryUsage: {
    name: 'process.memory.usage',
    kind: 'gauge',
    unit: 'By',
    description: 'Resident memory of the process (RSS)',
  },
  heapSpaceUsed: {
    name: 'v8js.memory.heap.used',
    kind: 'gauge',
    unit: 'By',
    description: 'Bytes of live and not yet collected objects in each V8 heap space (new_space, old_space, ...)',
  },
  heapSpacePhysical: {
    name: 'v8js.memory.heap.space.physical_size',
    kind: 'gauge',
    unit: 'By',
    description: 'Memory each V8 heap space holds from the system: what of the RSS the heap is',
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKind = 'counter' | 'up_down_counter' | 'histogram' | 'gauge';

export interface MetricDefinition {
  /** The OpenTelemetry name; Prometheus shows it with `_` for `.` (and `_total` on counters). */
  name: string;
  /** `gauge` is observed when metrics are read (a scrape), not recorded as things happen. */
  kind: MetricKind;
  unit?: string;
  description: string;
  /** A histogram's bucket boundaries, where the SDK's defaults (up to 10 000) do not fit. */
  buckets?: readonly number[];
}
