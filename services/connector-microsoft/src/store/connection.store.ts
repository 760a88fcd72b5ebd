import { CredentialVault, OAuthConnectionStore, type OAuthConnection } from '@calldesk/connector-kit';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type Connection = OAuthConnection;

/** Connections (one live Microsoft connection per member) and their sealed tokens. */
@Injectable()
export class ConnectionStore extends OAuthConnectionStore {
  constructor(db: DataSource, vault: CredentialVault) {
    super(db, vault, 'microsoft');
  }
}
