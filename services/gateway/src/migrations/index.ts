import { ApiKeys1764600000000 } from './1764600000000-ApiKeys';
import { OwnersAndSessions1798000000000 } from './1798000000000-OwnersAndSessions';

export const migrations = [ApiKeys1764600000000, OwnersAndSessions1798000000000];
