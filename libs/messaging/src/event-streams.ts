import { create, fromJson, type DescMessage, type JsonValue, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { DEAD_LETTER_STREAM, encodeJson, STREAM, type EventType } from '@calldesk/contracts';
import { withSpan, type Logger } from '@calldesk/telemetry';
import { context, SpanKind } from '@opentelemetry/api';
import {
  AckPolicy,
  DeliverPolicy,
  nanos,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
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
}

export interface Delivery {
  subject: string;
  msgId?: string;
  attempt: number;
}

/** Events may be a whole family with one body, e.g. `calendar.v1.events.booking.>`. */
export type EventSource<Body extends DescMessage> = Pick<EventType<Body>, 'subject' | 'body'>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Long enough for a crashed publisher's outbox to be re-sent; the server keeps only message ids.
const DUPLICATE_WINDOW_MS = 60 * 60_000;
const ACK_WAIT_MS = 30_000;

/** JetStream: the event stream, publishing with Nats-Msg-Id, durable consumers with a dead-letter subject. */
export class EventStreams {
  private readonly js: JetStreamClient;
  private manager?: JetStreamManager;
  private readonly running: { messages: ConsumerMessages; loop: Promise<void> }[] = [];

  constructor(
    private readonly connection: NatsConnection,
    private readonly service: string,
    private readonly logger: Logger,
    private readonly replicas: number,
  ) {
    this.js = connection.jetstream();
  }

  /** Creates or updates the event and dead-letter streams; safe to call from every instance. */
  async ensureStreams(): Promise<void> {
    await this.ensureStream({ name: STREAM.name, subjects: [STREAM.subjects], duplicate_window: nanos(DUPLICATE_WINDOW_MS) });
    await this.ensureStream({ name: DEAD_LETTER_STREAM.name, subjects: [DEAD_LETTER_STREAM.subjects] });
  }

  /** Publishes once per `msgId`: a second publish with the same id within the window is dropped. */
  async publish<Body extends DescMessage>(
    event: EventSource<Body>,
    body: MessageInitShape<Body>,
    msgId: string,
    subject = event.subject,
  ): Promise<{ duplicate: boolean }> {
    return withSpan(`${subject} publish`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject } }, async () => {
      const data = encoder.encode(encodeJson(event.body, create(event.body, body)));
      const ack = await this.js.publish(subject, data, { msgID: msgId, headers: headersWithTrace() });
      return { duplicate: ack.duplicate };
    });
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
    const manager = await this.jsm();
    const updatable = {
      filter_subject: source.subject,
      ack_wait: nanos(ACK_WAIT_MS),
      max_deliver: -1,
      ...(options.instanceScoped ? { inactive_threshold: nanos(options.instanceScoped.inactiveThresholdMs) } : {}),
    };
    try {
      await manager.consumers.add(STREAM.name, {
        ...updatable,
        durable_name: options.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: options.instanceScoped || options.startAt === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      });
    } catch {
      // It exists: its position and where it started stand; the rest follows this code.
      await manager.consumers.update(STREAM.name, options.durable, updatable);
    }
    const consumer = await this.js.consumers.get(STREAM.name, options.durable);
    const messages = await consumer.consume({ max_messages: 64 });
    const policy = { maxAttempts: 5, initialBackoffMs: 500, maxBackoffMs: 60_000, ...options };
    const loop = (async () => {
      for await (const message of messages) {
        await this.deliver(source, policy, message, handler);
      }
    })();
    this.running.push({ messages, loop });
  }

  /** Stops every consumer after the message it is handling. */
  async stop(): Promise<void> {
    for (const { messages } of this.running) messages.stop();
    await Promise.allSettled(this.running.map(({ loop }) => loop));
  }

  private async deliver<Body extends DescMessage>(
    source: EventSource<Body>,
    policy: Required<Omit<ConsumeOptions, 'instanceScoped' | 'startAt'>>,
    message: JsMsg,
    handler: (body: MessageShape<Body>, delivery: Delivery) => Promise<void>,
  ): Promise<void> {
    const delivery: Delivery = {
      subject: message.subject,
      msgId: message.headers?.get('Nats-Msg-Id') || undefined,
      attempt: message.info.redeliveryCount,
    };
    await context.with(contextFromHeaders(message.headers), () =>
      withSpan(`${message.subject} process`, { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': message.subject, 'messaging.consumer.group.name': policy.durable } }, async () => {
        let body: MessageShape<Body>;
        try {
          body = fromJson(source.body, JSON.parse(decoder.decode(message.data)) as JsonValue, { ignoreUnknownFields: true });
        } catch (error) {
          return this.deadLetter(policy.durable, message, `undecodable: ${(error as Error).message}`);
        }
        try {
          await handler(body, delivery);
          message.ack();
        } catch (error) {
          if (delivery.attempt >= policy.maxAttempts) {
            return this.deadLetter(policy.durable, message, (error as Error).message);
          }
          message.nak(backoff(delivery.attempt, policy.initialBackoffMs, policy.maxBackoffMs));
        }
      }).catch((error) => {
        // A dead-letter publish that failed: leave the message unacked so it comes back.
        this.logger.error('event handling failed', { subject: message.subject, error: (error as Error).message });
      }),
    );
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

/** Exponential backoff with full jitter above half the step, so retries of a burst spread out. */
export function backoff(attempt: number, initialMs: number, maxMs: number): number {
  const step = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}
