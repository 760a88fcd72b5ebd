export type { BusyInterval, LiveBooking, MemberAvailability, Slot } from './availability';
export type { BenchResult } from './bench';
export type { ConflictReason, Explanation } from './explain';
export type { Interval } from './interval';
export type {
  AbsoluteBlock,
  AvailabilityProfile,
  BlockedTime,
  BookingRules,
  DateOverride,
  DayBlock,
  LocalWindow,
  MemberSchedule,
  RecurringBlock,
  WeeklyWindow,
} from './profile';
export type { RankOptions } from './rank';
export type { MemberStarts } from './team';
export type { FieldError, ProfileValidation } from './validate-profile';
export type { ZoneClock } from './zone-clock';

export { benchSlotCore } from './bench';
export { compileProfile } from './compile-profile';
export { explainStart } from './explain';
export { clip, intersect, normalize, overlaps, subtract } from './interval';
export { formatLocalDate, formatLocalTime, isoWeekday, parseLocalDate, parseLocalTime } from './local-time';
export { rankSlots } from './rank';
export { formatInstant, parseInstant } from './rfc3339';
export { DEFAULT_RULES, RULE_LIMITS } from './rules';
export { bookableStarts } from './slots';
export { roundRobinSlots, specificMemberSlots } from './team';
export { validateProfile, validateServiceDuration } from './validate-profile';
export { isKnownZone, zoneClock } from './zone-clock';
