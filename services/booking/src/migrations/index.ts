import { Init1764200000000 } from './1764200000000-Init';
import { CancelReasonAndAttention1764300000000 } from './1764300000000-CancelReasonAndAttention';

export const migrations = [Init1764200000000, CancelReasonAndAttention1764300000000];
