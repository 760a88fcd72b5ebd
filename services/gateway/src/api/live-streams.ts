import { STREAM } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { METRICS, upDownCounter } from '@calldesk/telemetry';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { UpDownCounter } from '@opentelemetry/api';
import type { Request, Response } from 'express';
import type { Msg, Subscription } from 'nats';
import { LiveCredentials, type CredentialOwner } from './credentials';
import type { GatewayConfig } from '../config';
import { Throttled } from '../edge/throttled';

const HEARTBEAT_MS = 15_000;
/** A stream frees up only when a client leaves: a polite pause before asking again. */
const STREAMS_RETRY_AFTER_S = 30;
const PREFIX = 'calendar.v1.events.';
const decoder = new TextDecoder();

interface LiveStream {
  owner: CredentialOwner;
  response: Response;
  /** Set while the client's buffer waits to drain: when it fires, the client is dropped. */
  slow?: NodeJS.Timeout;
}

/**
 * The live streams of this gateway instance. One NATS subscription carries every event to the
 * instance, which hands each to the streams of its tenant in memory, however many there are. Each
 * credential (an API key, an owner's session) may hold LIVE_EVENTS_STREAMS_PER_KEY streams; a client that does not read (its buffer over
 * LIVE_EVENTS_MAX_BUFFERED_BYTES, or not drained within LIVE_EVENTS_DRAIN_TIMEOUT_MS) is dropped,
 * to reconnect and read the current state through the API. Streams of a revoked key or an ended
 * session are closed: at once when told (KeyRevocations, signing out), else when the credentials
 * of open streams are read again every API_KEY_CACHE_TTL_MS. Open streams are counted in the metrics.
 */
@Injectable()
export class LiveStreams implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly byTenant = new Map<string, Set<LiveStream>>();
  private readonly byCredential = new Map<string, Set<LiveStream>>();
  private subscription?: Subscription;
  private timers: NodeJS.Timeout[] = [];
  private readonly streamsOpen: UpDownCounter = upDownCounter(METRICS.liveStreams);

  constructor(
    private readonly bus: Bus,
    private readonly credentials: LiveCredentials,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.bus.connection.subscribe(STREAM.subjects, {
      callback: (error, msg) => {
        if (!error) this.deliver(msg);
      },
    });
    this.timers = [
      setInterval(() => this.everyStream((stream) => this.write(stream, ': keep-alive\n\n')), HEARTBEAT_MS),
      setInterval(() => void this.closeRevoked(), this.config.API_KEY_CACHE_TTL_MS),
    ];
    for (const timer of this.timers) timer.unref();
  }

  beforeApplicationShutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.subscription?.unsubscribe();
    this.everyStream((stream) => stream.response.end());
  }

  /** Opens the caller's stream, or refuses it (429) when its key holds as many as it may. */
  open(owner: CredentialOwner, request: Request, response: Response): void {
    if ((this.byCredential.get(owner.credentialId)?.size ?? 0) >= this.config.LIVE_EVENTS_STREAMS_PER_KEY) {
      throw new Throttled(
        `this credential has ${this.config.LIVE_EVENTS_STREAMS_PER_KEY} live streams open already`,
        STREAMS_RETRY_AFTER_S,
      );
    }
    const stream: LiveStream = { owner, response };
    add(this.byTenant, owner.tenantId, stream);
    add(this.byCredential, owner.credentialId, stream);
    this.streamsOpen.add(1);
    request.on('close', () => this.forget(stream));
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    this.write(stream, ': connected\n\n');
  }

  /** Ends every stream of a revoked key or an ended session. */
  closeCredential(credentialId: string): void {
    for (const stream of [...(this.byCredential.get(credentialId) ?? [])]) this.drop(stream);
  }

  private deliver(msg: Msg): void {
    if (!this.byTenant.size) return;
    let event: { tenantId?: unknown };
    try {
      event = JSON.parse(decoder.decode(msg.data));
    } catch {
      return;
    }
    const streams = typeof event?.tenantId === 'string' ? this.byTenant.get(event.tenantId) : undefined;
    if (!streams) return;
    // Written again on one line: a line break inside `data:` would end the event early.
    const frame = `event: ${msg.subject.slice(PREFIX.length)}\ndata: ${JSON.stringify(event)}\n\n`;
    for (const stream of [...streams]) this.write(stream, frame);
  }

  private write(stream: LiveStream, frame: string): void {
    const { response } = stream;
    if (response.writableLength + Buffer.byteLength(frame) > this.config.LIVE_EVENTS_MAX_BUFFERED_BYTES)
      return this.drop(stream);
    if (response.write(frame) || stream.slow) return;
    stream.slow = setTimeout(() => this.drop(stream), this.config.LIVE_EVENTS_DRAIN_TIMEOUT_MS);
    response.once('drain', () => {
      clearTimeout(stream.slow);
      stream.slow = undefined;
    });
  }

  private async closeRevoked(): Promise<void> {
    if (!this.byCredential.size) return;
    const live = await this.credentials.live([...this.byCredential.keys()]).catch(() => undefined);
    if (!live) return;
    for (const credentialId of this.byCredential.keys())
      if (!live.has(credentialId)) this.closeCredential(credentialId);
  }

  private drop(stream: LiveStream): void {
    this.forget(stream);
    stream.response.destroy();
  }

  private forget(stream: LiveStream): void {
    clearTimeout(stream.slow);
    remove(this.byTenant, stream.owner.tenantId, stream);
    // Dropping a stream forgets it, and so does its request closing after: counted once.
    if (remove(this.byCredential, stream.owner.credentialId, stream)) this.streamsOpen.add(-1);
  }

  private everyStream(each: (stream: LiveStream) => void): void {
    for (const streams of [...this.byTenant.values()]) for (const stream of [...streams]) each(stream);
  }
}

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key) ?? new Set<V>();
  set.add(value);
  map.set(key, set);
}

/** Whether `value` was there to remove. */
function remove<K, V>(map: Map<K, Set<V>>, key: K, value: V): boolean {
  const set = map.get(key);
  if (!set?.delete(value)) return false;
  if (!set.size) map.delete(key);
  return true;
}
