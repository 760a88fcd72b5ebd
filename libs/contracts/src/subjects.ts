import { getOption, type DescMessage, type DescMethodUnary } from '@bufbuild/protobuf';
import { subject } from './gen/calendar/options_pb';
import * as admin from './gen/calendar/v1/admin_pb';
import * as booking from './gen/calendar/internal/v1/booking_pb';
import { CalendarApi } from './gen/calendar/v1/api_pb';
import * as bookings from './gen/calendar/v1/bookings_pb';
import * as holds from './gen/calendar/v1/holds_pb';
import * as events from './gen/calendar/v1/events_pb';
import * as connector from './gen/calendar/internal/v1/connector_pb';
import * as gateway from './gen/calendar/internal/v1/gateway_pb';
import * as health from './gen/calendar/internal/v1/health_pb';
import * as scheduling from './gen/calendar/internal/v1/scheduling_pb';
import * as providerWebhooks from './gen/calendar/internal/v1/provider_webhooks_pb';

/** A request/reply subject with the message types it takes and answers. */
export interface Rpc<Req extends DescMessage = DescMessage, Res extends DescMessage = DescMessage> {
  readonly subject: string;
  readonly request: Req;
  readonly response: Res;
}

/** A JetStream event subject with the message type it carries. */
export interface EventType<Body extends DescMessage = DescMessage> {
  readonly subject: string;
  readonly body: Body;
}

/**
 * A core NATS subject that every instance of every listener hears (no queue group, nothing
 * stored): for news each instance's own memory must take in at once, where missing one is
 * harmless because a durable event says the same later.
 */
export interface Broadcast<Body extends DescMessage = DescMessage> {
  readonly subject: string;
  readonly body: Body;
}

const rpc = <Req extends DescMessage, Res extends DescMessage>(
  subject: string,
  request: Req,
  response: Res,
): Rpc<Req, Res> => ({ subject, request, response });

/** A method of the orchestrator's API (proto/calendar/v1/api.proto), on the subject its options name. */
const api = <Req extends DescMessage, Res extends DescMessage>(method: DescMethodUnary<Req, Res>): Rpc<Req, Res> =>
  rpc(getOption(method, subject), method.input, method.output);

const event = <Body extends DescMessage>(subject: string, body: Body): EventType<Body> => ({ subject, body });

const broadcast = <Body extends DescMessage>(subject: string, body: Body): Broadcast<Body> => ({ subject, body });

export const SERVICES = [
  'gateway',
  'connector-google',
  'connector-microsoft',
  'connector-caldav',
  'availability',
  'booking',
  'routing',
  'notifications',
] as const;

export type ServiceName = (typeof SERVICES)[number];

export const PROVIDERS = ['google', 'microsoft', 'caldav'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** calendar.internal.<service>.health, answered by every instance of the service. */
export const healthRpc = (service: ServiceName) =>
  rpc(`calendar.internal.${service}.health`, health.HealthRequestSchema, health.HealthResponseSchema);

/** The public v1 request/reply contract (DESIGN §2). */
export const Rpcs = {
  slotsFind: api(CalendarApi.method.findSlots),
  slotsExplain: api(CalendarApi.method.explainSlot),

  bookingsCreate: api(CalendarApi.method.createBooking),
  bookingsReschedule: api(CalendarApi.method.rescheduleBooking),
  bookingsCancel: api(CalendarApi.method.cancelBooking),
  bookingsGet: api(CalendarApi.method.getBooking),
  bookingsList: api(CalendarApi.method.listBookings),

  holdsCreate: api(CalendarApi.method.createHold),
  holdsRelease: api(CalendarApi.method.releaseHold),

  tenantsCreate: rpc('calendar.v1.admin.tenants.create', admin.CreateTenantRequestSchema, admin.TenantReplySchema),
  tenantsGet: rpc('calendar.v1.admin.tenants.get', admin.TenantRefSchema, admin.TenantReplySchema),
  tenantsList: rpc('calendar.v1.admin.tenants.list', admin.ListTenantsRequestSchema, admin.ListTenantsResponseSchema),
  tenantsUpdate: rpc('calendar.v1.admin.tenants.update', admin.UpdateTenantRequestSchema, admin.TenantReplySchema),
  tenantsDelete: rpc('calendar.v1.admin.tenants.delete', admin.TenantRefSchema, admin.DeletedSchema),

  membersCreate: rpc('calendar.v1.admin.members.create', admin.CreateMemberRequestSchema, admin.MemberReplySchema),
  membersGet: rpc('calendar.v1.admin.members.get', admin.ResourceRefSchema, admin.MemberReplySchema),
  membersList: rpc('calendar.v1.admin.members.list', admin.ListByTenantRequestSchema, admin.ListMembersResponseSchema),
  membersUpdate: rpc('calendar.v1.admin.members.update', admin.UpdateMemberRequestSchema, admin.MemberReplySchema),
  membersDelete: rpc('calendar.v1.admin.members.delete', admin.ResourceRefSchema, admin.DeletedSchema),

  servicesCreate: rpc('calendar.v1.admin.services.create', admin.CreateServiceRequestSchema, admin.ServiceReplySchema),
  servicesGet: rpc('calendar.v1.admin.services.get', admin.ResourceRefSchema, admin.ServiceReplySchema),
  servicesList: rpc(
    'calendar.v1.admin.services.list',
    admin.ListByTenantRequestSchema,
    admin.ListServicesResponseSchema,
  ),
  servicesUpdate: rpc('calendar.v1.admin.services.update', admin.UpdateServiceRequestSchema, admin.ServiceReplySchema),
  servicesDelete: rpc('calendar.v1.admin.services.delete', admin.ResourceRefSchema, admin.DeletedSchema),

  availabilitySet: rpc(
    'calendar.v1.admin.availability.set',
    admin.SetAvailabilityRequestSchema,
    admin.AvailabilityReplySchema,
  ),
  availabilityGet: rpc(
    'calendar.v1.admin.availability.get',
    admin.GetAvailabilityRequestSchema,
    admin.AvailabilityReplySchema,
  ),

  connectionsConnect: rpc(
    'calendar.v1.admin.connections.connect',
    admin.ConnectRequestSchema,
    admin.ConnectionReplySchema,
  ),
  connectionsAuthorize: rpc(
    'calendar.v1.admin.connections.authorize',
    admin.AuthorizeRequestSchema,
    admin.AuthorizeResponseSchema,
  ),
  connectionsDisconnect: rpc(
    'calendar.v1.admin.connections.disconnect',
    admin.DisconnectRequestSchema,
    admin.ConnectionReplySchema,
  ),
  /** Asked of each provider: the connector of `provider` answers, the others decline. */
  connectionsList: rpc(
    'calendar.v1.admin.connections.list',
    admin.ListConnectionsRequestSchema,
    admin.ListConnectionsResponseSchema,
  ),
  calendarsSetRole: rpc(
    'calendar.v1.admin.calendars.setRole',
    admin.SetCalendarRoleRequestSchema,
    admin.CalendarReplySchema,
  ),
} as const;

/** Internal request/reply subjects between services. */
export const InternalRpcs = {
  availabilityCheck: rpc(
    'calendar.internal.availability.check',
    scheduling.AvailabilityCheckRequestSchema,
    scheduling.AvailabilityCheckResponseSchema,
  ),
  routingCandidates: rpc(
    'calendar.internal.routing.candidates',
    scheduling.CandidatesRequestSchema,
    scheduling.CandidatesResponseSchema,
  ),
  /** The bookings as they stand, for projections of booking events to be rebuilt from. */
  currentBookings: rpc(
    'calendar.internal.booking.current',
    booking.CurrentBookingsRequestSchema,
    booking.CurrentBookingsResponseSchema,
  ),
} as const;

export const Broadcasts = {
  freshBusy: broadcast('calendar.internal.availability.fresh_busy', scheduling.FreshBusySchema),
  /**
   * A booking change booking committed, told before its answer goes out (its event follows on the
   * stream): a time freed or taken shows in every availability instance's next answer.
   */
  bookingChanged: broadcast('calendar.internal.booking.changed', bookings.BookingSchema),
  /** The same for a hold: a slot held or let go shows in every availability instance's next answer. */
  holdChanged: broadcast('calendar.internal.booking.hold_changed', holds.HoldSchema),
  /** A key an operator revoked, on whichever gateway instance: all of them refuse it from now on. */
  apiKeyRevoked: broadcast('calendar.internal.gateway.api_key_revoked', gateway.ApiKeyRevokedSchema),
} as const;

/** The connector contract, answered by each provider's connector (and the test connector). */
export const connectorRpcs = (provider: string) => {
  const base = `calendar.internal.connector.${provider}`;
  return {
    busy: rpc(`${base}.busy`, connector.BusyRequestSchema, connector.BusyResponseSchema),
    calendars: rpc(
      `${base}.calendars`,
      connector.MemberCalendarsRequestSchema,
      connector.MemberCalendarsResponseSchema,
    ),
    createEvent: rpc(`${base}.events.create`, connector.EventWriteSchema, connector.EventReplySchema),
    updateEvent: rpc(`${base}.events.update`, connector.EventWriteSchema, connector.EventReplySchema),
    deleteEvent: rpc(`${base}.events.delete`, connector.EventRefSchema, connector.EventReplySchema),
    findEvent: rpc(`${base}.events.find`, connector.EventRefSchema, connector.EventReplySchema),
    /** Every connection and its status now, for availability to be rebuilt from. */
    connections: rpc(`${base}.connections`, connector.ConnectionsRequestSchema, connector.ConnectionsResponseSchema),
  } as const;
};

export const STREAM = { name: 'CALENDAR_EVENTS', subjects: 'calendar.v1.events.>' } as const;
export const DEAD_LETTER_STREAM = { name: 'CALENDAR_DEAD_LETTERS', subjects: 'calendar.dead-letter.>' } as const;

/** The events on the CALENDAR_EVENTS stream (DESIGN §2). */
export const Events = {
  bookingConfirmed: event('calendar.v1.events.booking.confirmed', bookings.BookingSchema),
  bookingRescheduled: event('calendar.v1.events.booking.rescheduled', bookings.BookingSchema),
  bookingCancelled: event('calendar.v1.events.booking.cancelled', bookings.BookingSchema),
  /** A booking the owner should look at (its `attention` says why); it stays as it was. */
  bookingFlagged: event('calendar.v1.events.booking.flagged', bookings.BookingSchema),
  /** Every booking event: they all carry the Booking. */
  bookingAny: event('calendar.v1.events.booking.>', bookings.BookingSchema),
  holdCreated: event('calendar.v1.events.hold.created', holds.HoldSchema),
  holdReleased: event('calendar.v1.events.hold.released', holds.HoldSchema),
  holdExpired: event('calendar.v1.events.hold.expired', holds.HoldSchema),
  /** Every hold event: they all carry the Hold. */
  holdAny: event('calendar.v1.events.hold.>', holds.HoldSchema),
  calendarChanged: event('calendar.v1.events.calendar.changed', events.CalendarChangedSchema),
  connectionStatus: event('calendar.v1.events.connection.status', events.ConnectionStatusChangedSchema),
  availabilityChanged: event('calendar.v1.events.availability.changed', events.AvailabilityChangedSchema),
  /** One of our bookings' provider events was deleted or moved in the provider calendar. */
  bookingEventChanged: event('calendar.v1.events.calendar.booking_event_changed', events.BookingEventChangedSchema),
  notificationSent: event('calendar.v1.events.notification.sent', events.NotificationOutcomeSchema),
  notificationFailed: event('calendar.v1.events.notification.failed', events.NotificationOutcomeSchema),
} as const;

/**
 * What the gateway forwards from a provider to that provider's connector: the OAuth redirect
 * (GET /v1/oauth/<provider>/callback) and push messages (POST /v1/webhooks/<provider>).
 */
export const providerCallbackRpcs = (provider: string) => ({
  oauthCallback: rpc(
    `calendar.internal.connector.${provider}.oauth.callback`,
    providerWebhooks.OAuthCallbackSchema,
    providerWebhooks.OAuthCallbackResultSchema,
  ),
});

export const ProviderWebhookRpcs = {
  google: rpc(
    'calendar.internal.connector.google.webhook',
    providerWebhooks.GoogleChannelNotificationSchema,
    providerWebhooks.WebhookAckSchema,
  ),
  microsoft: rpc(
    'calendar.internal.connector.microsoft.webhook',
    providerWebhooks.GraphNotificationBatchSchema,
    providerWebhooks.WebhookAckSchema,
  ),
} as const;
