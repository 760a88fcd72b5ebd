export {
  calendarClient,
  connectCalendarClient,
  CalendarError,
  type CalendarApiClient,
  type CallOptions,
  type ClientOptions,
  type ErrorCode,
  type MethodName,
} from './calendar-client';
export * from './gen/calendar/v1/api_pb';
export * from './gen/calendar/v1/bookings_pb';
export * from './gen/calendar/v1/common_pb';
export * from './gen/calendar/v1/holds_pb';
export * from './gen/calendar/v1/slots_pb';
