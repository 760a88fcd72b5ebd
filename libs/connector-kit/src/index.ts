export {
  assignRoles,
  changeRole,
  parseRole,
  type CalendarRole,
  type DiscoveredCalendar,
  type MemberCalendarRole,
} from './calendar-roles';
export {
  CONNECTOR_PROVIDER,
  ConnectorEvents,
  memberOf,
  type ConnectionStatus,
  type MemberRef,
} from './connector-events';
export { ConnectionMetrics } from './connection-metrics';
export { connectionsPage, connectionsPageHandler } from './connections-page';
export { CredentialVault, credentialsConfig, type CredentialsConfig } from './credential-vault';
export { declineUnlessOwned, isOwnedBy, newProviderId } from './ids';
export { ianaZoneOf } from './zone-names';
export {
  calendarReadError,
  classifyProviderError,
  isAuthRejected,
  isUnavailable,
  isUnexpected,
  ProviderError,
  toRpcError,
  type ProviderFailure,
} from './provider-error';
export { BookingEventStore, type BookingEvent, type BookingEventState } from './oauth/booking-event.store';
export {
  addCalendarsListedAt,
  createBookingEventsTable,
  createCalendarsTable,
  createConnectionsTable,
  createOAuthStatesTable,
} from './oauth/connector-tables';
export { mergeSpans } from './oauth/busy-times';
export {
  CalendarProvider,
  type BusyRead,
  type CalendarChanges,
  type CalendarTarget,
  type ChangedEvent,
  type OurEventRef,
  type ProviderEvent,
  type Span,
} from './oauth/calendar-provider';
export { OAuthCalendarStore, type ListedCalendar, type OAuthCalendar } from './oauth/calendar.store';
export { OAuthConnectionStore, type OAuthConnection, type OAuthCredentials } from './oauth/connection.store';
export { OAuthConnectionStatusPublisher } from './oauth/connection-status';
export { usedSignInCode } from './oauth/connect-flow';
export { OAuthClient, type CallTarget, type ProviderCallConfig } from './oauth/oauth-client';
export { oauthConnectorConfig, type OAuthConnectorConfig } from './oauth/oauth-config';
export { OAuthConnectorModule, type OAuthConnectorDefinition } from './oauth/oauth-connector.module';
export { OAuthSignIn, type SignInTokens } from './oauth/oauth-sign-in';
export { OAuthTokens, type AccessToken } from './oauth/oauth-tokens';
export { OAuthCalendarSync } from './oauth/oauth-calendar-sync';
export { OAuthSigners } from './oauth/signers';
export { PushChannelStore, type PushChannel } from './oauth/push-channel.store';
export { PushChannels, type PushTarget } from './oauth/push-channels';
