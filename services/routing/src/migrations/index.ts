import { CreateRouting1795625700000 } from './1795625700000-CreateRouting';

/** The routing schema's migrations, oldest first. */
export const routingMigrations = [CreateRouting1795625700000];
