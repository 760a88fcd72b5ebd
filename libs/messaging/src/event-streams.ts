import {
  create,
  fromJson,
  type DescMessage,
  type JsonValue,
  type MessageInitShape,
  type MessageShape,
} from '@bufbuild/protobuf';
import { DEAD_LETTER_STREAM, encodeJson, RpcError, STREAM, type EventType } from '@calldesk/contracts';
import { withSpan, type Logger } from '@calldesk/telemetry';
import { context, SpanKind, type Context } from '@opentelemetry/api';
import {
  AckPolicy,
  ConsumerEvents,
  DeliverPolicy,
  DiscardPolicy,
  nanos,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
import type { ErrorClassifier } from './bus';
import { microsOf } from './stream-time';
import { EventMetrics } from './event-metrics';
import { contextFromHeaders, headersWithTrace } from './trace-headers';

export interface ConsumeOptions {
  /** The durable consumer's name: instances with the same name share the work. */
  durable: string;
  /** Deliveries before a message goes to the dead-letter subject. */
  maxAttempts?: number;
  /** The first retry delay; it doubles each attempt (with jitter) up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Where a new durable consumer starts: at the stream's first event (the default, for
   * projections that must see everything), or with events published from now on (for effects
   * such as texting a customer, which make no sense for events from before the consumer existed).
   */
  startAt?: 'first' | 'new';
  /**
   * For a consumer of one instance's own (e.g. cache invalidation, where every instance needs
   * every event): start with events published from now on, and let the server delete the
   * consumer once the instance has been gone this long.
   */
  instanceScoped?: { inactiveThresholdMs: number };
  /**
   * For a projection of another service's data (a consumer that starts at the first event): the
   * stream keeps events only so long and so many bytes, so when events this consumer never
   * settled are gone from it (it is new and the stream no longer starts at its first event, or
   * it fell behind the stream's start), this runs before the consumer pulls: it takes the current
   * state from the owner. Retried until it succeeds, the consumer waiting meanwhile; a new
   * consumer then starts after the stream's last event at `mark`.
   */
  rebuild?: (mark: StreamMark) => Promise<void>;
}

/** Where the stream stood before a projection asked its owner for the current state. */
export interface StreamMark {
  /** Its newest event then. */
  lastSequence: number;
  /**
   * When the stream stored that event, in µs since the epoch: the owner's answer, read after it,
   * holds everything up to it, and an event stored later is newer than the answer.
   */
  storedAtMicros: number;
}

/** How many bytes and how long each stream keeps; the oldest events go first. */
export interface StreamLimits {
  events: { maxAgeMs: number; maxBytes: number };
  deadLetters: { maxAgeMs: number; maxBytes: number };
}

export interface Delivery {
  subject: string;
  msgId?: string;
  attempt: number;
  /** When the stream stored the event, in µs since the epoch: later events have larger values. */
  storedAtMicros: number;
}

/** Events may be a whole family with one body, e.g. `calendar.v1.events.booking.>`. */
export type EventSource<Body extends DescMessage> = Pick<EventType<Body>, 'subject' | 'body'>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Long enough for a crashed publisher's outbox to be re-sent; the server keeps only message ids.
const DUPLICATE_WINDOW_MS = 60 * 60_000;
const ACK_WAIT_MS = 30_000;
/**
 * Each pull asks for up to 64 events and lasts `expires`; while it has nothing to deliver the
 * server sends a heartbeat every `idle_heartbeat`, and after two missed nats.js pulls again, then
 * every second until the consumer answers. A pull dies with its consumer's leader (a server killed
 * or frozen, a leader moved), so this is how long consuming stalls beyond the new leader's
 * election: with nats.js's defaults (30 s pulls, 15 s heartbeats, and a consumer info before each
 * new pull, backing off up to 45 s while the cluster elects) it was 30-45 s, here it is 2-3 s.
 * Bound (`bind`), nats.js asks nothing before it pulls again, so whether the consumer is gone
 * is this class's own question (`lostConsumer`).
 */
export const PULL = { max_messages: 64, expires: 5_000, idle_heartbeat: 1_000, bind: true };
/** How often at most a consumer that does not answer its pulls is looked up. */
const LOOKUP_EVERY_MS = 2_000;

/** JetStream: the event stream, publishing with Nats-Msg-Id, durable consumers with a dead-letter subject. */
export class EventStreams {
  private readonly js: JetStreamClient;
  private manager?: JetStreamManager;
  private readonly running: ConsumerRun[] = [];
  private readonly metrics = new EventMetrics();

  constructor(
    private readonly connection: NatsConnection,
    private readonly service: string,
    private readonly logger: Logger,
    private readonly replicas: number,
    private readonly limits?: StreamLimits,
    private readonly classifyError?: ErrorClassifier,
  ) {
    this.js = connection.jetstream();
  }

  /**
   * Creates or updates the event and dead-letter streams, bounded by this bus's limits (without
   * them, a stream is made unbounded and an existing one keeps its bounds); safe to call from
   * every instance.
   */
  async ensureStreams(): Promise<void> {
    const events = this.limits?.events;
    await this.ensureStream({
      name: STREAM.name,
      subjects: [STREAM.subjects],
      // The server refuses a window longer than the stream keeps events.
      duplicate_window: nanos(Math.min(DUPLICATE_WINDOW_MS, events?.maxAgeMs ?? DUPLICATE_WINDOW_MS)),
      ...bounds(events),
    });
    await this.ensureStream({
      name: DEAD_LETTER_STREAM.name,
      subjects: [DEAD_LETTER_STREAM.subjects],
      ...bounds(this.limits?.deadLetters),
    });
  }

  /**
   * Publishes once per `msgId`: a second publish with the same id within the window is dropped.
   * `parent` is the trace the event belongs to when that is not the active one (an outbox row
   * published by whichever request woke the relay belongs to the booking that wrote it).
   */
  async publish<Body extends DescMessage>(
    event: EventSource<Body>,
    body: MessageInitShape<Body>,
    msgId: string,
    subject = event.subject,
    parent: Context = context.active(),
  ): Promise<{ duplicate: boolean }> {
    const attributes = {
      'messaging.system': 'nats',
      'messaging.destination.name': subject,
      'messaging.message.id': msgId,
    };
    return context.with(parent, () =>
      withSpan(`${subject} publish`, { kind: SpanKind.PRODUCER, attributes }, async () => {
        const data = encoder.encode(encodeJson(event.body, create(event.body, body)));
        const ack = await this.js.publish(subject, data, { msgID: msgId, headers: headersWithTrace() });
        return { duplicate: ack.duplicate };
      }),
    );
  }

  /**
   * Consumes events with a durable consumer and explicit acks. A handler that throws gets the
   * message again after a growing delay; after `maxAttempts` the message is copied to
   * `calendar.dead-letter.<durable>` with the error, and taken off the stream's consumer.
   */
  async consume<Body extends DescMessage>(
    source: EventSource<Body>,
    options: ConsumeOptions,
    handler: (body: MessageShape<Body>, delivery: Delivery) => Promise<void>,
  ): Promise<void> {
    const position = new Position();
    const policy = { maxAttempts: 5, initialBackoffMs: 500, maxBackoffMs: 60_000, ...options };
    const consumer = options.instanceScoped ? `${this.service}:per-instance` : options.durable;
    const run: ConsumerRun = { stopped: false, loop: Promise.resolve() };
    // A projection to rebuild waits for its owner in the background, so the service starts meanwhile.
    const missed = await this.missedEvents(options, position);
    if (!missed) {
      await this.ensureConsumer(source, options, position);
      run.messages = await (await this.js.consumers.get(STREAM.name, options.durable)).consume(PULL);
    }
    run.loop = (async () => {
      if (missed) run.messages = await this.prepare(source, options, position, run, { streamLost: false });
      while (!run.stopped && run.messages) {
        const lost = await this.pullUntilLost(
          run.messages,
          options.durable,
          (message) => this.deliver(source, policy, consumer, message, handler),
          position,
        );
        if (run.stopped || !lost) return;
        // The pull loop would wait for missed heartbeats before asking again: start a new one.
        this.logger.warn('event consumer was lost and is made again', {
          consumer: options.durable,
          resumeAt: position.resumeAt(),
        });
        run.messages = await this.prepare(source, options, position, run, {
          streamLost: lost === ConsumerEvents.StreamNotFound,
        });
      }
    })();
    this.running.push(run);
    this.metrics.watch(consumer, async () => (await this.jsm()).consumers.info(STREAM.name, options.durable));
  }

  /**
   * Hands every message to `deliver` until the consumer stops or is gone (deleted past its
   * inactivity threshold after a long partition, or lost with its stream): the server says so to
   * a waiting pull, and while pulls go unanswered the consumer is looked up. Answers what was
   * lost, or nothing when it was stopped.
   */
  private async pullUntilLost(
    messages: ConsumerMessages,
    durable: string,
    deliver: (message: JsMsg) => Promise<Settled>,
    position: Position,
  ): Promise<ConsumerEvents | undefined> {
    let lost: ConsumerEvents | undefined;
    let lookedUpAt = 0;
    void (async () => {
      for await (const status of await messages.status()) {
        if (LOST.includes(status.type as ConsumerEvents)) lost = status.type as ConsumerEvents;
        else if (UNANSWERED.includes(status.type as ConsumerEvents) && Date.now() - lookedUpAt >= LOOKUP_EVERY_MS) {
          lookedUpAt = Date.now();
          lost = await this.lostConsumer(durable);
        }
        if (lost) {
          messages.stop();
          return;
        }
      }
    })();
    for await (const message of messages) position.handled(message.info.streamSequence, await deliver(message));
    return lost;
  }

  /**
   * Whether the consumer or its stream is gone; a lookup that gets no answer (a leader being
   * elected, a server down) says nothing, and pulling goes on.
   */
  private async lostConsumer(durable: string): Promise<ConsumerEvents | undefined> {
    try {
      await (await this.jsm()).consumers.info(STREAM.name, durable);
      return undefined;
    } catch (error) {
      const code = (error as { api_error?: { err_code?: number } }).api_error?.err_code;
      if (code === CONSUMER_NOT_FOUND) return ConsumerEvents.ConsumerNotFound;
      if (code === STREAM_NOT_FOUND) return ConsumerEvents.StreamNotFound;
      return undefined;
    }
  }

  /**
   * The consumer made (again, after it was lost; with the streams if they went too), its
   * projection first rebuilt where events it never settled are gone; retried until it works or
   * this stops.
   */
  private async prepare<Body extends DescMessage>(
    source: EventSource<Body>,
    options: ConsumeOptions,
    position: Position,
    run: ConsumerRun,
    { streamLost }: { streamLost: boolean },
  ): Promise<ConsumerMessages | undefined> {
    for (let attempt = 1; !run.stopped; attempt++) {
      try {
        if (streamLost) await this.ensureStreams();
        const missed = await this.missedEvents(options, position);
        if (missed) {
          await options.rebuild!(missed);
          position.rebuiltTo(missed.lastSequence);
          this.logger.info('projection rebuilt from its owner: events it had not seen were gone from the stream', {
            consumer: options.durable,
          });
        }
        await this.ensureConsumer(source, options, position);
        const messages = await (await this.js.consumers.get(STREAM.name, options.durable)).consume(PULL);
        if (!run.stopped) return messages;
        messages.stop();
      } catch (error) {
        this.logger.warn('event consumer not ready yet; trying again', {
          consumer: options.durable,
          error: (error as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, backoff(attempt, 250, 10_000)));
      }
    }
    return undefined;
  }

  /**
   * Where the stream stands when events this projection never settled are gone from it, else
   * undefined. A stream made again (its sequence started over, behind this instance's position)
   * holds nothing this instance handled: the position is forgotten.
   */
  private async missedEvents(options: ConsumeOptions, position: Position): Promise<StreamMark | undefined> {
    if (!options.rebuild || options.instanceScoped || options.startAt === 'new') return undefined;
    const { state } = await (await this.jsm()).streams.info(STREAM.name);
    if ((position.resumeAt() ?? 0) > state.last_seq + 1) position.forget();
    const next = position.resumeAt() ?? (await this.nextOfConsumer(options.durable)) ?? 1;
    if (next >= state.first_seq) return undefined;
    return { lastSequence: state.last_seq, storedAtMicros: microsOf(state.last_ts) };
  }

  /** The first event the durable consumer has not settled, or undefined when there is no such consumer. */
  private async nextOfConsumer(durable: string): Promise<number | undefined> {
    try {
      const info = await (await this.jsm()).consumers.info(STREAM.name, durable);
      // Past the ack floor, unless nothing awaits an ack: then past the last delivered (which
      // moves over events of other subjects too).
      return (info.num_ack_pending ? info.ack_floor.stream_seq : info.delivered.stream_seq) + 1;
    } catch (error) {
      if ((error as { api_error?: { err_code?: number } }).api_error?.err_code === CONSUMER_NOT_FOUND) return undefined;
      throw error;
    }
  }

  /**
   * Creates the durable consumer, or brings an existing one's settings up to date (its position
   * and where it started stand). A consumer made again after it was lost starts right after the
   * last event this instance handled, so nothing is skipped and nothing is handled twice.
   */
  private async ensureConsumer<Body extends DescMessage>(
    source: EventSource<Body>,
    options: ConsumeOptions,
    position: Position,
  ): Promise<void> {
    const manager = await this.jsm();
    const updatable = {
      filter_subject: source.subject,
      ack_wait: nanos(ACK_WAIT_MS),
      max_deliver: -1,
      ...(options.instanceScoped ? { inactive_threshold: nanos(options.instanceScoped.inactiveThresholdMs) } : {}),
    };
    const resume = position.resumeAt();
    const start = resume
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: resume }
      : { deliver_policy: options.instanceScoped || options.startAt === 'new' ? DeliverPolicy.New : DeliverPolicy.All };
    try {
      await manager.consumers.add(STREAM.name, {
        ...updatable,
        ...start,
        durable_name: options.durable,
        ack_policy: AckPolicy.Explicit,
      });
    } catch {
      await manager.consumers.update(STREAM.name, options.durable, updatable);
    }
  }

  /** Stops every consumer after the message it is handling. */
  async stop(): Promise<void> {
    this.metrics.stop();
    for (const run of this.running) {
      run.stopped = true;
      run.messages?.stop();
    }
    await Promise.allSettled(this.running.map(({ loop }) => loop));
  }

  private async deliver<Body extends DescMessage>(
    source: EventSource<Body>,
    policy: Required<Omit<ConsumeOptions, 'instanceScoped' | 'startAt' | 'rebuild'>>,
    consumer: string,
    message: JsMsg,
    handler: (body: MessageShape<Body>, delivery: Delivery) => Promise<void>,
  ): Promise<Settled> {
    const delivery: Delivery = {
      subject: message.subject,
      msgId: message.headers?.get('Nats-Msg-Id') || undefined,
      attempt: message.info.redeliveryCount,
      storedAtMicros: Math.floor(message.info.timestampNanos / 1_000),
    };
    if (delivery.attempt > 1) this.metrics.redelivered(consumer);
    return context.with(contextFromHeaders(message.headers), () =>
      withSpan(
        `${message.subject} process`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'nats',
            'messaging.destination.name': message.subject,
            'messaging.consumer.group.name': policy.durable,
          },
        },
        async (): Promise<Settled> => {
          let body: MessageShape<Body>;
          try {
            body = fromJson(source.body, JSON.parse(decoder.decode(message.data)) as JsonValue, {
              ignoreUnknownFields: true,
            });
          } catch (error) {
            await this.deadLetter(policy.durable, message, `undecodable: ${(error as Error).message}`);
            this.metrics.deadLettered(consumer, 'undecodable');
            return 'settled';
          }
          try {
            await handler(body, delivery);
            message.ack();
            return 'settled';
          } catch (error) {
            // A dependency down (the database, another service) is no fault of the event: it comes
            // back until the dependency does, however many attempts that takes.
            if (this.unavailable(error)) {
              message.nak(backoff(delivery.attempt, policy.initialBackoffMs, policy.maxBackoffMs));
              this.logger.warn('event handling deferred: a dependency is unavailable', {
                subject: message.subject,
                consumer,
                attempt: delivery.attempt,
                error: (error as Error).message,
              });
              return 'again';
            }
            if (delivery.attempt >= policy.maxAttempts) {
              await this.deadLetter(policy.durable, message, (error as Error).message);
              this.metrics.deadLettered(consumer, 'failed');
              return 'settled';
            }
            message.nak(backoff(delivery.attempt, policy.initialBackoffMs, policy.maxBackoffMs));
            return 'again';
          }
        },
      ).catch((error): Settled => {
        // A dead-letter publish that failed: leave the message unacked so it comes back.
        this.logger.error('event handling failed', { subject: message.subject, error: (error as Error).message });
        return 'again';
      }),
    );
  }

  private unavailable(error: unknown): boolean {
    const known = error instanceof RpcError ? error : this.classifyError?.(error);
    return known !== undefined && RETRY_UNTIL_BACK.includes(known.code);
  }

  private async deadLetter(durable: string, message: JsMsg, reason: string): Promise<void> {
    const headers = headersWithTrace();
    headers.set('Calldesk-Original-Subject', message.subject);
    headers.set('Calldesk-Consumer', durable);
    headers.set('Calldesk-Error', reason.slice(0, 512));
    await this.js.publish(`calendar.dead-letter.${durable}`, message.data, {
      headers,
      msgID: `${durable}:${message.info.streamSequence}`,
    });
    message.term();
    this.logger.warn('event dead-lettered', { subject: message.subject, consumer: durable, service: this.service });
  }

  private async ensureStream(config: Partial<StreamConfig> & { name: string }): Promise<void> {
    const manager = await this.jsm();
    try {
      await manager.streams.add({ storage: StorageType.File, num_replicas: this.replicas, ...config });
    } catch {
      await manager.streams.update(config.name, { num_replicas: this.replicas, ...config });
    }
  }

  private async jsm(): Promise<JetStreamManager> {
    this.manager ??= await this.connection.jetstreamManager();
    return this.manager;
  }
}

/** What the server says when a consumer is gone. */
const LOST = [ConsumerEvents.ConsumerNotFound, ConsumerEvents.ConsumerDeleted, ConsumerEvents.StreamNotFound];
/** Failures that say a dependency is down or slow, not that the event is wrong. */
const RETRY_UNTIL_BACK: string[] = ['unavailable', 'deadline_exceeded'];
/** What nats.js says while pulls go unanswered: the consumer may be gone, or only between leaders. */
const UNANSWERED = [ConsumerEvents.HeartbeatsMissed, ConsumerEvents.NoResponders];
/** The JetStream API's error codes for a consumer and a stream that do not exist. */
const CONSUMER_NOT_FOUND = 10014;
const STREAM_NOT_FOUND = 10059;

function bounds(limits: { maxAgeMs: number; maxBytes: number } | undefined): Partial<StreamConfig> {
  return limits ? { max_age: nanos(limits.maxAgeMs), max_bytes: limits.maxBytes, discard: DiscardPolicy.Old } : {};
}

/** One consumer's pull loop: the messages it pulls now (a new set after it was made again). */
interface ConsumerRun {
  messages?: ConsumerMessages;
  stopped: boolean;
  loop: Promise<void>;
}

/** Whether a delivery is done with (acked or dead-lettered), or comes again. */
type Settled = 'settled' | 'again';

/**
 * How far one consumer of this instance got: the first event it has not settled, or the one after
 * the last it settled, which is where a consumer made again resumes.
 */
class Position {
  private last = 0;
  private readonly unsettled = new Set<number>();

  handled(sequence: number, outcome: Settled): void {
    if (outcome === 'again') {
      this.unsettled.add(sequence);
      return;
    }
    this.unsettled.delete(sequence);
    this.last = Math.max(this.last, sequence);
  }

  /** The projection was rebuilt with everything up to `sequence`. */
  rebuiltTo(sequence: number): void {
    this.last = Math.max(this.last, sequence);
  }

  forget(): void {
    this.last = 0;
    this.unsettled.clear();
  }

  /** Undefined until this instance has handled an event. */
  resumeAt(): number | undefined {
    if (this.unsettled.size) return Math.min(...this.unsettled);
    return this.last ? this.last + 1 : undefined;
  }
}

/** Exponential backoff with full jitter above half the step, so retries of a burst spread out. */
export function backoff(attempt: number, initialMs: number, maxMs: number): number {
  const step = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}
