import { Init1764400000000 } from './1764400000000-Init';

export const migrations = [Init1764400000000];
