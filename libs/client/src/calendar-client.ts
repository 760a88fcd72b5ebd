import {
  create,
  fromJson,
  getOption,
  toJsonString,
  type DescMethodUnary,
  type JsonValue,
  type MessageInitShape,
  type MessageShape,
} from '@bufbuild/protobuf';
import { connect, ErrorCode as NatsErrorCode, NatsError, type ConnectionOptions, type NatsConnection } from 'nats';
import { subject } from './gen/calendar/options_pb';
import { CalendarApi } from './gen/calendar/v1/api_pb';
import { RpcErrorCode } from './gen/calendar/v1/common_pb';

type Methods = typeof CalendarApi.method;
/** The calls of the orchestrator's API, named as in proto/calendar/v1/api.proto. */
export type MethodName = keyof Methods;
type Request<K extends MethodName> = MessageInitShape<Methods[K]['input']>;
type Reply<K extends MethodName> = MessageShape<Methods[K]['output']>;

/** The error codes of the contract, by name. */
export type ErrorCode = Exclude<keyof typeof RpcErrorCode, 'code_unspecified'>;

/** An error reply of the contract, or the transport's failure said in its terms. */
export class CalendarError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CalendarError';
  }
}

export interface ClientOptions {
  /** How long each request waits for its answer (default 10 s; give bookings BOOKING_DEADLINE_MS + 5 s). */
  timeoutMs?: number;
  /** Retries of a request that carries an idempotency key, when the answer was `unavailable` or never came (default 2). */
  retries?: number;
  /** The first pause before a retry; it doubles each time (default 250 ms). */
  retryDelayMs?: number;
}

export interface CallOptions {
  timeoutMs?: number;
}

/** One function per call: typed request in, typed reply out, or a CalendarError thrown. */
export type CalendarApiClient = {
  [K in MethodName]: (request: Request<K>, options?: CallOptions) => Promise<Reply<K>>;
};

/**
 * A client of the orchestrator's API over a NATS connection the caller owns (with its
 * credentials and the inbox prefix of its role, e.g. `_INBOX_orchestrator`). Only a request with
 * an idempotency key is ever sent twice: the service answers a repeat with the first answer.
 */
export function calendarClient(connection: NatsConnection, options: ClientOptions = {}): CalendarApiClient {
  const settings = { timeoutMs: 10_000, retries: 2, retryDelayMs: 250, ...options };
  const calls = Object.fromEntries(
    CalendarApi.methods.map((method) => [
      method.localName,
      (request: MessageInitShape<typeof method.input>, call: CallOptions = {}) =>
        send(connection, method as DescMethodUnary, request, { ...settings, ...call }),
    ]),
  );
  return calls as CalendarApiClient;
}

/** Connects to NATS (its options as nats.js takes them) and answers the client and the connection. */
export async function connectCalendarClient(
  connectionOptions: ConnectionOptions,
  options: ClientOptions = {},
): Promise<{ client: CalendarApiClient; connection: NatsConnection }> {
  const connection = await connect(connectionOptions);
  return { client: calendarClient(connection, options), connection };
}

async function send(
  connection: NatsConnection,
  method: DescMethodUnary,
  request: MessageInitShape<DescMethodUnary['input']>,
  settings: Required<ClientOptions>,
): Promise<MessageShape<DescMethodUnary['output']>> {
  const body = new TextEncoder().encode(toJsonString(method.input, create(method.input, request)));
  const retries = hasIdempotencyKey(request) ? settings.retries : 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await once(connection, method, body, settings.timeoutMs);
    } catch (error) {
      const again =
        error instanceof CalendarError && (error.code === 'unavailable' || error.code === 'deadline_exceeded');
      if (!again || attempt >= retries) throw error;
      await new Promise((resolve) => setTimeout(resolve, settings.retryDelayMs * 2 ** attempt));
    }
  }
}

async function once(connection: NatsConnection, method: DescMethodUnary, body: Uint8Array, timeoutMs: number) {
  const target = getOption(method, subject);
  let reply;
  try {
    reply = await connection.request(target, body, { timeout: timeoutMs });
  } catch (error) {
    if (error instanceof NatsError && error.code === NatsErrorCode.Timeout)
      throw new CalendarError('deadline_exceeded', `${target} did not answer within ${timeoutMs} ms`);
    throw new CalendarError('unavailable', `${target} could not be reached: ${(error as Error).message}`);
  }
  const json = JSON.parse(new TextDecoder().decode(reply.data)) as {
    error?: { code?: string; message?: string; details?: Record<string, unknown> };
  };
  if (json.error) {
    const code = json.error.code && json.error.code in RpcErrorCode ? (json.error.code as ErrorCode) : 'internal';
    throw new CalendarError(code, json.error.message ?? 'error reply without message', json.error.details ?? {});
  }
  // The contract only ever grows: fields added after this client was built are passed over.
  return fromJson(method.output, json as JsonValue, { ignoreUnknownFields: true });
}

function hasIdempotencyKey(request: object): boolean {
  const key = (request as { idempotencyKey?: unknown }).idempotencyKey;
  return typeof key === 'string' && key.length > 0;
}
