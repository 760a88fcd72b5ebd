import { Init1764200000000 } from './1764200000000-Init';
import { CancelReasonAndAttention1764300000000 } from './1764300000000-CancelReasonAndAttention';
import { RecentBookingsIndex1764500000000 } from './1764500000000-RecentBookingsIndex';
import { OutboxClaims1764700000000 } from './1764700000000-OutboxClaims';
import { OutboxTraceContext1764900000000 } from './1764900000000-OutboxTraceContext';
import { Holds1797200000000 } from './1797200000000-Holds';
import { IdempotencyCreatedIndex1797500000000 } from './1797500000000-IdempotencyCreatedIndex';
import { EventSweep1797600000000 } from './1797600000000-EventSweep';
import { LockHolds1797700000000 } from './1797700000000-LockHolds';

export const migrations = [
  Init1764200000000,
  CancelReasonAndAttention1764300000000,
  RecentBookingsIndex1764500000000,
  OutboxClaims1764700000000,
  OutboxTraceContext1764900000000,
  Holds1797200000000,
  IdempotencyCreatedIndex1797500000000,
  EventSweep1797600000000,
  LockHolds1797700000000,
];
