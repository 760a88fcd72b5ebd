import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { CredentialVault } from '@calldesk/connector-kit';
import { Rpcs } from '@calldesk/contracts';
import type { ConnectorSuite } from './connector-suite';
import type { FakeProvider } from './fakes/fake-provider';

/** A fake OAuth provider whose consent screen the test answers. */
export type ConsentingFake = FakeProvider & { consent: { account?: string; deny?: boolean } };

export interface OAuthSignInGuardsOptions<Fake extends ConsentingFake> {
  suite: ConnectorSuite<Fake>;
  provider: 'google' | 'microsoft';
  /** The connector's Postgres schema, e.g. connector_google. */
  schema: string;
  /** The connector's CREDENTIALS_ENCRYPTION_KEYS (one key): to seal a wrong verifier where the right one was. */
  credentialKeys: string;
  /** A new tenant with a member who has an account at the fake. */
  member(): Promise<{ tenantId: string; memberId: string; email: string }>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * The sign-in guards every OAuth connector keeps, declared as `it` blocks in its suite: a state
 * completes one sign-in (of two callbacks at once, one), for the member it was issued to only; a
 * code is exchanged with the PKCE verifier kept with its state, and with no other; and a sign-in
 * starts only for a member of the tenant.
 */
export function oauthSignInGuards<Fake extends ConsentingFake>(options: OAuthSignInGuardsOptions<Fake>): void {
  const { suite, provider, schema } = options;
  const authorize = async (tenantId: string, memberId: string) =>
    new URL((await suite.client.request(Rpcs.connectionsAuthorize, { tenantId, memberId, provider })).authorizationUrl);
  /** The member's browser through consent: the callback URL the provider sends it back to. */
  const consent = async (authorizationUrl: URL, account: string) => {
    suite.fake.consent = { account };
    return new URL((await fetch(authorizationUrl, { redirect: 'manual' })).headers.get('location')!);
  };
  const answer = async (callbackUrl: URL) => {
    const response = await fetch(callbackUrl);
    return { status: response.status, ...((await response.json()) as object) };
  };
  const withState = (callbackUrl: URL, state: string) => {
    const changed = new URL(callbackUrl);
    changed.searchParams.set('state', state);
    return changed;
  };
  const connections = (memberId: string) =>
    suite.database.query(`SELECT member_id, status FROM ${schema}.connections WHERE member_id = $1`, [memberId]);
  const codeExchanges = () =>
    suite.fake
      .requestsTo('POST', /token$/)
      .map((r) => r.body as Record<string, string>)
      .filter((form) => form.grant_type === 'authorization_code');

  it('completes a sign-in once: the same state again, even at the same moment, is refused by reason and reaches no provider', async () => {
    const m = await options.member();
    const authorizationUrl = await authorize(m.tenantId, m.memberId);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    const callbackUrl = await consent(authorizationUrl, m.email);
    const exchanged = codeExchanges().length;

    const answers = await Promise.all([answer(callbackUrl), answer(callbackUrl)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)).toMatchObject({
      error: { code: 'failed_precondition', details: { reason: 'state_used' } },
    });
    expect(await answer(callbackUrl)).toMatchObject({ status: 409, error: { details: { reason: 'state_used' } } });
    // One exchange, proven by the verifier of the challenge the authorization URL carried.
    expect(codeExchanges().slice(exchanged)).toHaveLength(1);
    const verifier = codeExchanges().at(-1)!.code_verifier;
    expect(sha256(verifier).toString('base64url')).toBe(authorizationUrl.searchParams.get('code_challenge'));
    expect(await connections(m.memberId)).toEqual([{ member_id: m.memberId, status: 'connected' }]);
  });

  it("connects only the member who asked: a state altered to name another member, or another member's state with this code, is refused", async () => {
    const a = await options.member();
    const { member } = await suite.client.request(Rpcs.membersCreate, { tenantId: a.tenantId, name: 'Bo' });
    const b = member!.id;
    const callbackUrl = await consent(await authorize(a.tenantId, a.memberId), a.email);
    const state = callbackUrl.searchParams.get('state')!;

    // The state's signed content names B instead: its signature no longer holds.
    const [payload, mac] = state.split('.');
    const content = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const renamed = `${Buffer.from(JSON.stringify({ ...content, m: b })).toString('base64url')}.${mac}`;
    expect(await answer(withState(callbackUrl, renamed))).toMatchObject({
      status: 400,
      error: { code: 'invalid_argument', details: { reason: 'invalid_state' } },
    });

    // B's own state with A's code: B's verifier does not prove A's challenge, and the provider refuses.
    const bState = (await authorize(a.tenantId, b)).searchParams.get('state')!;
    expect(await answer(withState(callbackUrl, bState))).toMatchObject({
      status: 409,
      error: { code: 'failed_precondition', details: { reason: 'invalid_code' } },
    });
    expect(await connections(b)).toEqual([]);

    // A's code was good all along (so the verifier was what refused it): with A's state it connects A, and only A.
    expect(await answer(callbackUrl)).toMatchObject({ status: 200, connection: { memberId: a.memberId } });
    expect(await connections(a.memberId)).toEqual([{ member_id: a.memberId, status: 'connected' }]);
    expect(await connections(b)).toEqual([]);
  });

  it('exchanges the code with the verifier kept with its state: any other is refused by the provider, connecting nothing', async () => {
    const m = await options.member();
    const callbackUrl = await consent(await authorize(m.tenantId, m.memberId), m.email);
    const row = sha256(callbackUrl.searchParams.get('state')!);
    const wrongVerifier = randomBytes(32).toString('base64url');
    const wrong = CredentialVault.fromConfig({ CREDENTIALS_ENCRYPTION_KEYS: options.credentialKeys }).seal(
      wrongVerifier,
      row.toString('hex'),
    );
    const [tampered] = await suite.database.query(
      `UPDATE ${schema}.oauth_states SET verifier_key_id = $2, verifier_sealed = $3 WHERE state_sha256 = $1 RETURNING member_id`,
      [row, wrong.keyId, wrong.sealed],
    );
    expect(tampered).toEqual({ member_id: m.memberId });

    expect(await answer(callbackUrl)).toMatchObject({
      status: 409,
      error: { code: 'failed_precondition', details: { reason: 'invalid_code' } },
    });
    expect(codeExchanges().at(-1)).toMatchObject({
      code: callbackUrl.searchParams.get('code'),
      code_verifier: wrongVerifier,
    });
    expect(await connections(m.memberId)).toEqual([]);
  });

  it("starts a sign-in only for a member of the tenant: another tenant's member, or no member, is not_found", async () => {
    const m = await options.member();
    const other = await options.member();
    for (const memberId of [other.memberId, randomUUID()]) {
      const refused = await suite.client
        .request(Rpcs.connectionsAuthorize, { tenantId: m.tenantId, memberId, provider })
        .catch((error) => error);
      expect(refused).toMatchObject({ code: 'not_found' });
    }
    expect(
      await suite.database.query(`SELECT 1 FROM ${schema}.oauth_states WHERE member_id = $1`, [other.memberId]),
    ).toEqual([]);
  });
}

/** Every sign-in secret the fake has seen: states, codes and PKCE verifiers. */
export function signInSecretsSeen(fake: FakeProvider): { states: string[]; codes: string[]; verifiers: string[] } {
  const authorizations = fake.requests.filter((r) => r.method === 'GET' && /auth(orize)?$/.test(r.path));
  const exchanges = fake
    .requestsTo('POST', /token$/)
    .map((r) => r.body as Record<string, string>)
    .filter((form) => form.grant_type === 'authorization_code');
  return {
    states: authorizations.map((r) => r.query.state).filter(Boolean),
    codes: exchanges.map((form) => form.code).filter(Boolean),
    verifiers: exchanges.map((form) => form.code_verifier).filter(Boolean),
  };
}
