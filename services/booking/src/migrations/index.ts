import { Init1764200000000 } from './1764200000000-Init';

export const migrations = [Init1764200000000];
