import { createOAuthStatesTable } from '@calldesk/connector-kit';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OAuthStates1796600000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // Sign-ins in progress: each state used once, with its PKCE verifier sealed.
    await createOAuthStatesTable(db);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE oauth_states');
  }
}
