import {
  Broadcasts,
  connectorRpcs,
  DEAD_LETTER_STREAM,
  Events,
  healthRpc,
  InternalRpcs,
  type PROVIDERS,
  providerCallbackRpcs,
  ProviderWebhookRpcs,
  Rpcs,
  SERVICES,
  STREAM,
  type ServiceName,
} from './subjects';

/** Who connects to NATS: each service, and the two roles from outside (DESIGN §2). */
export const OUTSIDE_ROLES = ['orchestrator', 'operator'] as const;
export type NatsRole = ServiceName | (typeof OUTSIDE_ROLES)[number];
export const NATS_ROLES: readonly NatsRole[] = [...SERVICES, ...OUTSIDE_ROLES];

/** The KV bucket of the booking service's calendar leases. */
export const LEASE_BUCKET = 'booking_calendar_leases';

/**
 * Each role's replies arrive under an inbox of its own, which only it may subscribe to: nobody
 * reads another's answers. Clients of a role set this prefix (nats.js `inboxPrefix`, nats-py
 * `inbox_prefix`, Go `CustomInboxPrefix`).
 */
export const inboxPrefix = (role: string): string => `_INBOX_${role}`;

/** What a role may publish and subscribe to; responders may also answer the requests they get. */
export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
  allowResponses: boolean;
}

/**
 * The subjects each role may use, and nothing else: a service publishes only what it calls and
 * emits and subscribes only to what it serves and hears; only booking publishes booking events;
 * CalDAV passwords (connections.connect) and OAuth codes (the callbacks) reach only the connector
 * that owns them. Stream deletion and purges are nobody's.
 */
export function natsPermissions(role: NatsRole): NatsPermissions {
  const rules = ROLE_RULES[role];
  const subscribe = [`${inboxPrefix(role)}.>`, ...rules.serves, ...(rules.hears ?? [])];
  const publish = [...rules.calls, ...(rules.emits ?? []), ...(rules.jetStream ? jetStreamOf(rules.jetStream) : [])];
  // Every service answers its health subject; the roles from outside answer nothing.
  const service = isService(role);
  if (service) {
    const answers = [...rules.serves, healthRpc(role).subject];
    subscribe.push(healthRpc(role).subject);
    // allow_responses lets a reply out only through the server that delivered its request: one
    // sent after reconnecting to another server (the first died meanwhile) goes to the caller's
    // inbox under this grant instead of being refused.
    publish.push(...callersOf(answers).map((caller) => `${inboxPrefix(caller)}.>`));
  }
  return { publish: unique(publish), subscribe: unique(subscribe), allowResponses: service };
}

/** The roles that send requests to any of `subjects`. */
function callersOf(subjects: string[]): NatsRole[] {
  return NATS_ROLES.filter((role) =>
    ROLE_RULES[role].calls.some((called) => subjects.some((subject) => subjectsOverlap(called, subject))),
  );
}

/** Whether some subject matches both patterns (`*` is one token, `>` one or more at the end). */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; ; i++) {
    if (i === x.length || i === y.length) return x.length === y.length;
    if (x[i] === '>' || y[i] === '>') return true;
    if (x[i] !== '*' && y[i] !== '*' && x[i] !== y[i]) return false;
  }
}

interface RoleRules {
  /** Request subjects it answers. */
  serves: string[];
  /** Subjects it sends requests to. */
  calls: string[];
  /** Events and broadcasts it publishes. */
  emits?: string[];
  /** Core subjects it listens to without answering. */
  hears?: string[];
  jetStream?: { consumes?: boolean; leases?: boolean };
}

const subjectsOf = (rpcs: Record<string, { subject: string }>) => Object.values(rpcs).map((rpc) => rpc.subject);
const admin = (resource: string) => `calendar.v1.admin.${resource}.*`;
const connector = (provider: string) => `calendar.internal.connector.${provider}`;
const ownConnector = (provider: (typeof PROVIDERS)[number]) => [
  ...subjectsOf(connectorRpcs(provider)),
  providerCallbackRpcs(provider).oauthCallback.subject,
  ...(provider === 'caldav' ? [] : [ProviderWebhookRpcs[provider].subject]),
];
const oauthConnector = (provider: 'google' | 'microsoft'): RoleRules => ({
  serves: [
    ...ownConnector(provider),
    Rpcs.connectionsAuthorize.subject,
    Rpcs.connectionsList.subject,
    Rpcs.connectionsDisconnect.subject,
    Rpcs.calendarsSetRole.subject,
  ],
  calls: [Rpcs.membersGet.subject],
  emits: [`calendar.v1.events.calendar.>`, Events.connectionStatus.subject],
  jetStream: {},
});

const ROLE_RULES: Record<NatsRole, RoleRules> = {
  gateway: {
    serves: [],
    calls: [
      'calendar.v1.slots.*',
      'calendar.v1.bookings.*',
      'calendar.v1.holds.*',
      'calendar.v1.admin.>',
      'calendar.internal.*.health',
      `${connector('*')}.oauth.callback`,
      `${connector('*')}.webhook`,
      'calendar.internal.gateway.>',
    ],
    hears: [STREAM.subjects, 'calendar.internal.gateway.>'],
    jetStream: {},
  },
  routing: {
    serves: [admin('tenants'), admin('members'), admin('services'), InternalRpcs.routingCandidates.subject],
    calls: [InternalRpcs.currentBookings.subject],
    jetStream: { consumes: true },
  },
  availability: {
    serves: [
      Rpcs.slotsFind.subject,
      Rpcs.slotsExplain.subject,
      admin('availability'),
      InternalRpcs.availabilityCheck.subject,
    ],
    calls: [
      InternalRpcs.routingCandidates.subject,
      InternalRpcs.currentBookings.subject,
      Rpcs.membersGet.subject,
      `${connector('*')}.busy`,
      `${connector('*')}.connections`,
    ],
    emits: [Events.availabilityChanged.subject, Broadcasts.freshBusy.subject],
    hears: [Broadcasts.freshBusy.subject, Broadcasts.bookingChanged.subject, Broadcasts.holdChanged.subject],
    jetStream: { consumes: true },
  },
  booking: {
    serves: ['calendar.v1.bookings.*', 'calendar.v1.holds.*', InternalRpcs.currentBookings.subject],
    calls: [
      InternalRpcs.availabilityCheck.subject,
      InternalRpcs.routingCandidates.subject,
      Rpcs.slotsFind.subject,
      `${connector('*')}.events.*`,
    ],
    emits: [
      'calendar.v1.events.booking.>',
      'calendar.v1.events.hold.>',
      Broadcasts.bookingChanged.subject,
      Broadcasts.holdChanged.subject,
    ],
    jetStream: { consumes: true, leases: true },
  },
  'connector-google': oauthConnector('google'),
  'connector-microsoft': oauthConnector('microsoft'),
  'connector-caldav': {
    serves: [
      ...ownConnector('caldav'),
      Rpcs.connectionsConnect.subject,
      Rpcs.connectionsList.subject,
      Rpcs.connectionsDisconnect.subject,
      Rpcs.calendarsSetRole.subject,
    ],
    calls: [Rpcs.membersGet.subject],
    emits: [`calendar.v1.events.calendar.>`, Events.connectionStatus.subject],
    jetStream: {},
  },
  notifications: {
    serves: [],
    calls: [Rpcs.membersGet.subject, Rpcs.servicesGet.subject],
    emits: ['calendar.v1.events.notification.>'],
    jetStream: { consumes: true },
  },
  orchestrator: { serves: [], calls: ['calendar.v1.slots.*', 'calendar.v1.bookings.*', 'calendar.v1.holds.*'] },
  operator: { serves: [], calls: ['calendar.v1.admin.>'] },
};

/**
 * What a service's JetStream client sends: every service makes sure the event streams exist at
 * start; consumers pull, ack and dead-letter; booking keeps its leases in a KV bucket.
 */
function jetStreamOf({ consumes, leases }: NonNullable<RoleRules['jetStream']>): string[] {
  const streams = [STREAM.name, DEAD_LETTER_STREAM.name].flatMap((name) =>
    ['INFO', 'CREATE', 'UPDATE'].map((verb) => `$JS.API.STREAM.${verb}.${name}`),
  );
  const consumer = consumes
    ? [
        `$JS.API.CONSUMER.CREATE.${STREAM.name}.>`,
        `$JS.API.CONSUMER.DURABLE.CREATE.${STREAM.name}.*`,
        `$JS.API.CONSUMER.INFO.${STREAM.name}.*`,
        `$JS.API.CONSUMER.MSG.NEXT.${STREAM.name}.*`,
        `$JS.ACK.${STREAM.name}.>`,
        'calendar.dead-letter.>',
      ]
    : [];
  const kv = `KV_${LEASE_BUCKET}`;
  const lease = leases
    ? [
        ...['INFO', 'CREATE', 'UPDATE', 'MSG.GET'].map((verb) => `$JS.API.STREAM.${verb}.${kv}`),
        `$JS.API.DIRECT.GET.${kv}.>`,
        `$KV.${LEASE_BUCKET}.>`,
      ]
    : [];
  return ['$JS.API.INFO', ...streams, ...consumer, ...lease];
}

function isService(role: NatsRole): role is ServiceName {
  return (SERVICES as readonly string[]).includes(role);
}

function unique(subjects: string[]): string[] {
  return [...new Set(subjects)];
}
