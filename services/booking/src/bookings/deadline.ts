import { RpcError } from '@calldesk/contracts';
import { attemptBudgetMs, type BookingConfig } from '../config';

/** When a create or reschedule is to be answered by: BOOKING_DEADLINE_MS after it arrived. */
export class Deadline {
  private readonly at: number;

  constructor(private readonly config: BookingConfig) {
    this.at = Date.now() + config.BOOKING_DEADLINE_MS;
  }

  /** Whether one more attempt, at its slowest, would still be answered in time. */
  leavesRoomForAttempt(): boolean {
    return this.at - Date.now() >= attemptBudgetMs(this.config);
  }
}

/** Nothing was booked for want of time (the caller would have given up waiting), so trying again may. */
export function outOfTime(): RpcError {
  return new RpcError(
    'unavailable',
    'no time was left to try the booking (again) before its answer was due; try again',
    { retryable: true },
  );
}
