import { Init1764100000000 } from './1764100000000-Init';
import { HeldSpans1797300000000 } from './1797300000000-HeldSpans';

export const migrations = [Init1764100000000, HeldSpans1797300000000];
