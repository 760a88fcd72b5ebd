import { Init1764200000000 } from './1764200000000-Init';
import { CancelReasonAndAttention1764300000000 } from './1764300000000-CancelReasonAndAttention';
import { RecentBookingsIndex1764500000000 } from './1764500000000-RecentBookingsIndex';

export const migrations = [Init1764200000000, CancelReasonAndAttention1764300000000, RecentBookingsIndex1764500000000];
