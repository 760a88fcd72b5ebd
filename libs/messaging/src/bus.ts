import {
  create,
  fromJson,
  type DescMessage,
  type JsonValue,
  type MessageInitShape,
  type MessageShape,
} from '@bufbuild/protobuf';
import {
  decodeJson,
  encodeJson,
  inboxPrefix,
  isErrorCode,
  RpcError,
  type Broadcast,
  type Rpc,
} from '@calldesk/contracts';
import { createLogger, type Logger, withSpan } from '@calldesk/telemetry';
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  ErrorCode,
  Events,
  NatsError,
  type ConnectionOptions,
  type Msg,
  type NatsConnection,
  type Subscription,
} from 'nats';
import { EventStreams, type StreamLimits } from './event-streams';
import { RpcMetrics } from './rpc-metrics';
import { contextFromHeaders, headersWithTrace } from './trace-headers';

export interface BusOptions {
  url: string;
  /** The service name: the default queue group, and the connection's name. */
  service: string;
  /** The timeout of every request unless the call gives its own. */
  requestTimeoutMs: number;
  /** Copies JetStream keeps of the streams this bus creates (default 1). */
  replicas?: number;
  /** How long and how much the event streams keep (services set it; without it they are left as they are). */
  streamLimits?: StreamLimits;
  logger?: Logger;
  /** Who this connection is; without it the connection is anonymous (a server without auth). */
  identity?: NatsIdentity;
  /**
   * Failures of the service's own dependencies in contract terms (its database down →
   * `unavailable`), for what a handler throws that is not an RpcError; the rest is `internal`.
   */
  classifyError?: ErrorClassifier;
}

/** An error in contract terms, or undefined when it is not one this classifier knows. */
export type ErrorClassifier = (error: unknown) => RpcError | undefined;

/** A NATS identity: a user and password or a creds file, and TLS files where the server uses TLS. */
export interface NatsIdentity {
  user?: string;
  password?: string;
  credsFile?: string;
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

export type Handler<Req extends DescMessage, Res extends DescMessage> = (
  request: MessageShape<Req>,
) => Promise<MessageInitShape<Res> | MessageShape<Res>>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * How often a client pings its server and how many pings may go unanswered before it gives the
 * server up. The servers ping clients the same way (deploy/nats/values.yaml), so a frozen
 * service instance stops being handed requests within about 15 s.
 */
export const NATS_PING = { intervalMs: 5_000, maxOut: 2 };

/**
 * Thrown by a handler to leave a request to another service: no reply is sent at all. For
 * subjects several services serve, each answering only what is its own (e.g. a connector
 * answers `calendars.setRole` only for its own calendar ids), so the owner's reply is the one
 * the caller gets. A request nobody owns times out.
 */
export class Decline extends Error {
  constructor() {
    super('declined: another service answers this request');
    this.name = 'Decline';
  }
}

/**
 * The one way to serve and call subjects: plain NATS request/reply with the JSON body of the
 * public contract, so that `nc.request(subject, json)` from any NATS client gets an answer.
 * Every call has a timeout, every reply is the response or `{"error": {...}}`, and every hop
 * carries the W3C trace context in its headers.
 */
export class Bus {
  readonly events: EventStreams;
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly logger: Logger;
  private readonly metrics = new RpcMetrics();

  private constructor(
    readonly connection: NatsConnection,
    private readonly options: BusOptions,
  ) {
    this.logger = options.logger ?? createLogger(options.service);
    this.events = new EventStreams(
      connection,
      options.service,
      this.logger,
      options.replicas ?? 1,
      options.streamLimits,
      options.classifyError,
    );
  }

  static async connect(options: BusOptions): Promise<Bus> {
    const connection = await connect({
      servers: options.url,
      name: `${options.service}:${process.pid}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // A server that stops answering without closing the connection (frozen, or its machine
      // gone) is given up after two pings 5 s apart went unanswered, and another server is tried;
      // nats.js's default waits 2 minutes, while every request through it times out.
      pingInterval: NATS_PING.intervalMs,
      maxPingOut: NATS_PING.maxOut,
      // nats.js would build an Error per request to keep its caller's stack for a timeout; our
      // errors name the subject instead, and that Error cost a share of every request's CPU.
      noAsyncTraces: true,
      // Replies come under the service's own inbox, which its permissions let only it read.
      inboxPrefix: inboxPrefix(options.service),
      ...identityOptions(options.identity),
    });
    const bus = new Bus(connection, options);
    bus.reportServerErrors();
    return bus;
  }

  /**
   * Answers `rpc.subject`. Instances share the load through a queue group named after the service
   * unless `queue` says otherwise (`false`: every instance answers, as health does per instance).
   */
  serve<Req extends DescMessage, Res extends DescMessage>(
    rpc: Rpc<Req, Res>,
    handler: Handler<Req, Res>,
    options: { queue?: string | false; subject?: string } = {},
  ): void {
    const queue = options.queue === false ? undefined : (options.queue ?? this.options.service);
    const subscription = this.connection.subscribe(options.subject ?? rpc.subject, {
      queue,
      callback: (error, msg) => {
        if (error) {
          this.logger.error('subscription failed', { subject: rpc.subject, error: error.message });
          return;
        }
        this.track(this.answer(rpc, handler, msg));
      },
    });
    this.subscriptions.push(subscription);
  }

  /** Calls `rpc.subject`; an error reply or a transport failure throws an RpcError. */
  async request<Req extends DescMessage, Res extends DescMessage>(
    rpc: Rpc<Req, Res>,
    request: MessageInitShape<Req>,
    options: { timeoutMs?: number; subject?: string } = {},
  ): Promise<MessageShape<Res>> {
    const subject = options.subject ?? rpc.subject;
    const timeout = options.timeoutMs ?? this.options.requestTimeoutMs;
    const startedAt = performance.now();
    return withSpan(`${subject} request`, { kind: SpanKind.CLIENT, attributes: natsAttributes(subject) }, async () => {
      const body = encoder.encode(encodeJson(rpc.request, create(rpc.request, request)));
      let reply: Msg;
      try {
        reply = await this.connection.request(subject, body, { timeout, headers: headersWithTrace() });
      } catch (error) {
        const failure = transportError(error, subject, timeout);
        this.metrics.called(rpc.subject, startedAt, failure.code);
        throw failure;
      }
      try {
        const response = decodeReply(rpc.response, reply.data);
        this.metrics.called(rpc.subject, startedAt, 'ok');
        return response;
      } catch (error) {
        this.metrics.called(rpc.subject, startedAt, error instanceof RpcError ? error.code : 'internal');
        throw error;
      }
    });
  }

  /**
   * Tells every instance that hears `topic`; nothing waits for them. A server forwards what one
   * connection sends in order, so a listener hears the broadcast before any request that someone
   * sends it after seeing a reply this connection sent later.
   */
  broadcast<Body extends DescMessage>(topic: Broadcast<Body>, message: MessageInitShape<Body>): void {
    const body = encoder.encode(encodeJson(topic.body, create(topic.body, message)));
    this.connection.publish(topic.subject, body, { headers: headersWithTrace() });
  }

  /** Hears every broadcast on `topic` in this instance, one at a time in the order they came. */
  hear<Body extends DescMessage>(topic: Broadcast<Body>, handler: (message: MessageShape<Body>) => void): void {
    const subscription = this.connection.subscribe(topic.subject, {
      callback: (error, msg) => {
        if (error) {
          this.logger.error('subscription failed', { subject: topic.subject, error: error.message });
          return;
        }
        context.with(contextFromHeaders(msg.headers), () => {
          try {
            handler(decodeJson(topic.body, msg.data));
          } catch (failure) {
            this.logger.error('broadcast not taken in', {
              subject: topic.subject,
              error: (failure as Error)?.stack ?? String(failure),
            });
          }
        });
      },
    });
    this.subscriptions.push(subscription);
  }

  /**
   * Stops taking work and finishes what it holds: subscriptions stop receiving, requests already
   * received are answered, event consumers stop, then the connection drains and closes.
   */
  async drain(): Promise<void> {
    if (this.connection.isClosed()) return;
    await Promise.allSettled(this.subscriptions.map((subscription) => subscription.drain()));
    await this.events.stop();
    await Promise.allSettled([...this.inFlight]);
    if (!this.connection.isClosed()) await this.connection.drain();
  }

  private async answer<Req extends DescMessage, Res extends DescMessage>(
    rpc: Rpc<Req, Res>,
    handler: Handler<Req, Res>,
    msg: Msg,
  ): Promise<void> {
    const parent = contextFromHeaders(msg.headers);
    const startedAt = performance.now();
    await context.with(parent, () =>
      withSpan(
        `${msg.subject} process`,
        { kind: SpanKind.SERVER, attributes: natsAttributes(msg.subject) },
        async (span) => {
          let reply: string;
          let result = 'ok';
          try {
            const request = decodeJson(rpc.request, msg.data);
            reply = encodeJson(rpc.response, create(rpc.response, await handler(request)));
          } catch (error) {
            // A declined request is another service's to answer, and its time is counted there.
            if (error instanceof Decline) {
              span.setAttribute('rpc.declined', true);
              return;
            }
            const rpcError = this.asRpcError(error, msg.subject);
            span.setStatus({ code: SpanStatusCode.ERROR, message: rpcError.code });
            span.setAttribute('rpc.error_code', rpcError.code);
            reply = JSON.stringify(rpcError.toJSON());
            result = rpcError.code;
          }
          if (msg.reply) msg.respond(encoder.encode(reply));
          this.metrics.served(rpc.subject, startedAt, result);
        },
      ),
    );
  }

  /** A permission violation comes back as an error on the connection, not to the call: say it. */
  private reportServerErrors(): void {
    void (async () => {
      for await (const status of this.connection.status()) {
        if (status.type === Events.Error)
          this.logger.error('NATS server error', { error: String(status.data), ...status.permissionContext });
      }
    })();
  }

  private asRpcError(error: unknown, subject: string): RpcError {
    if (error instanceof RpcError) return error;
    const known = this.options.classifyError?.(error);
    if (known) {
      this.logger.warn('handler failed', {
        subject,
        code: known.code,
        error: (error as Error)?.message ?? String(error),
      });
      return known;
    }
    // An unexpected failure is logged here, where its stack is, and answered without detail.
    this.logger.error('handler failed', { subject, error: (error as Error)?.stack ?? String(error) });
    return new RpcError('internal', 'internal error');
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}

function identityOptions(identity: NatsIdentity = {}): Partial<ConnectionOptions> {
  const tls =
    identity.tlsCaFile || identity.tlsCertFile
      ? { caFile: identity.tlsCaFile, certFile: identity.tlsCertFile, keyFile: identity.tlsKeyFile }
      : undefined;
  return {
    ...(identity.credsFile ? { authenticator: credsAuthenticator(readFileSync(identity.credsFile)) } : {}),
    ...(identity.user ? { user: identity.user, pass: identity.password } : {}),
    ...(tls ? { tls } : {}),
  };
}

function decodeReply<Res extends DescMessage>(schema: Res, data: Uint8Array): MessageShape<Res> {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(data));
  } catch {
    throw new RpcError('internal', 'the reply is not valid JSON');
  }
  const error = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } }).error;
  if (error && typeof error === 'object') {
    throw new RpcError(
      isErrorCode(error.code) ? error.code : 'internal',
      typeof error.message === 'string' ? error.message : 'error reply without message',
      typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : {},
    );
  }
  // Replies may carry fields added after this caller was built: the contract only ever grows.
  return fromJson(schema, json as JsonValue, { ignoreUnknownFields: true });
}

function transportError(error: unknown, subject: string, timeout: number): RpcError {
  if (error instanceof NatsError) {
    if (error.code === ErrorCode.NoResponders) {
      return new RpcError('unavailable', `no service answers ${subject}`, { subject });
    }
    if (error.code === ErrorCode.Timeout) {
      return new RpcError('deadline_exceeded', `${subject} did not answer within ${timeout} ms`, { subject });
    }
  }
  return new RpcError('unavailable', `${subject} could not be reached: ${(error as Error).message}`, { subject });
}

function natsAttributes(subject: string) {
  return { 'messaging.system': 'nats', 'messaging.destination.name': subject };
}
