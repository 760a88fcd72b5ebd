import { ProviderError } from '@calldesk/connector-kit';
import { createAccount } from 'tsdav';
import type { Fetch } from './caldav-http';

/** Discovery's answers name a principal and a home: a few KiB; a server sending more is refused before it is parsed whole. */
export const DISCOVERY_MAX_BYTES = 256 * 1_024;

export interface CaldavAccount {
  principalUrl: string;
  homeUrl: string;
}

/**
 * Finds the account's principal and calendar home from the server URL the user gave:
 * /.well-known/caldav (iCloud redirects to its pNN host), then current-user-principal, then
 * calendar-home-set. A server that is not CalDAV is `rejected`; a refused password is
 * `auth_rejected` (from the HTTP layer). tsdav reads each answer whole: `fetch` should bound them
 * to DISCOVERY_MAX_BYTES.
 */
export async function discoverAccount(fetch: Fetch, serverUrl: string): Promise<CaldavAccount> {
  const account = await viaTsdav(() =>
    createAccount({ account: { serverUrl, accountType: 'caldav' }, fetch, loadCollections: false, loadObjects: false }),
  );
  if (!account.principalUrl || !account.homeUrl) throw new ProviderError('rejected');
  return { principalUrl: account.principalUrl, homeUrl: account.homeUrl };
}

/** Runs a tsdav helper; its own errors (which may quote the server's answer) become a bare one. */
async function viaTsdav<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error && (error.name === 'ProviderError' || error.name === 'RpcError' || 'code' in error))
      throw error;
    throw new ProviderError('rejected');
  }
}
