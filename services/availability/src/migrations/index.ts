import { Init1764100000000 } from './1764100000000-Init';

export const migrations = [Init1764100000000];
