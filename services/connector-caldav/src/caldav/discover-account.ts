import { ProviderError } from '@calldesk/connector-kit';
import { createAccount } from 'tsdav';
import type { Fetch } from './caldav-http';
import { viaTsdav } from './dav-values';

export interface CaldavAccount {
  principalUrl: string;
  homeUrl: string;
}

/**
 * Finds the account's principal and calendar home from the server URL the user gave:
 * /.well-known/caldav (iCloud redirects to its pNN host), then current-user-principal, then
 * calendar-home-set. A server that is not CalDAV is `rejected`; a refused password is
 * `auth_rejected` (from the HTTP layer).
 */
export async function discoverAccount(fetch: Fetch, serverUrl: string): Promise<CaldavAccount> {
  const account = await viaTsdav(() =>
    createAccount({ account: { serverUrl, accountType: 'caldav' }, fetch, loadCollections: false, loadObjects: false }),
  );
  if (!account.principalUrl || !account.homeUrl) throw new ProviderError('rejected');
  return { principalUrl: account.principalUrl, homeUrl: account.homeUrl };
}
