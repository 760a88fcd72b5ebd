import { ApiKeys1764600000000 } from './1764600000000-ApiKeys';

export const migrations = [ApiKeys1764600000000];
