import { Init1764100000000 } from './1764100000000-Init';
import { HeldSpans1797300000000 } from './1797300000000-HeldSpans';
import { ConnectionVersions1797400000000 } from './1797400000000-ConnectionVersions';

export const migrations = [Init1764100000000, HeldSpans1797300000000, ConnectionVersions1797400000000];
