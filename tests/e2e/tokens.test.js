'use strict';
// Tokens: what verigate issues, that another backend can verify it from the JWKS alone, and that
// every forgery we can make with node:crypto is turned away.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo } = require('./lib/stores');
const { logLeaks } = require('./lib/procs');
const { signup, login, codeFor, signedIn } = require('./lib/flow');
const J = require('./lib/jwt');

const api = client(env.VG_URL);

function expectInvalidBearer(res) {
  expectProblem(res, 401, 'invalid-token');
  assert.match(res.headers.get('www-authenticate') || '', /^Bearer\b.*error="invalid_token"/i, `WWW-Authenticate: ${res.headers.get('www-authenticate')}`);
}

describe('tokens', () => {
  let me, jwks, kid;

  before(async () => {
    me = await signedIn(api, env.EMULATOR_URL);
    const res = await api.get('/.well-known/jwks.json');
    expectStatus(res, 200);
    jwks = res.body;
    kid = J.decode(me.access_token).header.kid;
  });
  after(closeMongo);

  test('jwks_publishes_the_signing_key_and_verifies_access_tokens', () => {
    assert.ok(Array.isArray(jwks.keys) && jwks.keys.length >= 1, JSON.stringify(jwks));
    for (const k of jwks.keys) {
      assert.equal(k.kty, 'RSA');
      assert.equal(k.use, 'sig');
      assert.equal(k.alg, 'RS256');
      assert.equal(typeof k.kid, 'string');
      assert.ok(k.n && k.e, 'n and e');
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(secret in k), `JWKS leaks the private member ${secret}`);
    }
    const mine = J.publicKey().export({ format: 'jwk' });
    const published = jwks.keys.find((k) => k.kid === kid);
    assert.ok(published, `the token's kid ${kid} is in the JWKS`);
    assert.equal(published.n, mine.n, 'the JWKS key is the public half of JWT_PRIVATE_KEY_FILE');
    assert.equal(published.e, mine.e);
    // What another backend does: verify with the JWKS alone.
    assert.equal(J.verifyWithJwks(me.access_token, jwks), true);
    // An mfa_token is HS256 with a secret derived from the signing key and published nowhere, so
    // no other backend can take it for an access token: its kid names the signing key (so that
    // verigate picks the right secret after a rotation), but that key's JWK is RS256 and does not
    // verify it, no symmetric key is published, and its typ is not at+jwt. The secret derived here
    // from the same file does verify it.
    const m = J.decode(me.mfa_token);
    assert.equal(J.verifyWithJwks(me.mfa_token, jwks), false);
    const named = jwks.keys.find((k) => k.kid === m.header.kid);
    assert.ok(named && named.alg === 'RS256' && m.header.alg === 'HS256', `mfa_token header ${JSON.stringify(m.header)}`);
    assert.equal(crypto.verify('sha256', Buffer.from(m.signingInput), crypto.createPublicKey({ key: named, format: 'jwk' }), m.signature), false,
      'the JWKS key the mfa_token names does not verify it');
    assert.ok(!jwks.keys.some((k) => k.kty === 'oct' || 'k' in k), 'no symmetric key is published');
    assert.notEqual(m.header.typ, 'at+jwt');
    assert.equal(J.verifyHS256(me.mfa_token, J.mfaKey().secret), true);
    const t = J.decode(me.access_token);
    const tampered = `${t.parts[0]}.${J.b64uJson(Object.assign({}, t.payload, { sub: 'x' }))}.${t.parts[2]}`;
    assert.equal(J.verifyWithJwks(tampered, jwks), false, 'sanity: the verifier itself rejects a tampered token');
  });

  test('issued_tokens_carry_the_documented_header_and_claims', () => {
    const a = J.decode(me.access_token);
    const m = J.decode(me.mfa_token);
    assert.deepEqual(a.header, { alg: 'RS256', typ: 'at+jwt', kid });
    // What libjwt 1.10 writes (alg HS256, typ JWT) and the kid of the key the secret came from.
    assert.deepEqual(m.header, { alg: 'HS256', kid: J.mfaKey().kid, typ: 'JWT' });
    assert.equal(m.header.kid, kid, 'the mfa_token names the signing key its secret is derived from');
    assert.equal(a.payload.client_id, J.clientId(), 'RFC 9068 client_id');
    assert.ok(!('client_id' in m.payload) && !('sid' in m.payload) && !('auth_time' in m.payload), JSON.stringify(m.payload));
    for (const [tok, aal, amr, ttl] of [[a.payload, 'aal2', ['pwd', 'sms'], 900], [m.payload, 'aal1', ['pwd'], 300]]) {
      assert.equal(tok.iss, env.JWT_ISSUER);
      assert.ok(tok.aud === env.JWT_AUDIENCE || (Array.isArray(tok.aud) && tok.aud.includes(env.JWT_AUDIENCE)), `aud ${tok.aud}`);
      assert.equal(tok.sub, me.user.id);
      assert.equal(tok.aal, aal);
      assert.deepEqual(tok.amr, amr);
      assert.ok(Number.isInteger(tok.iat) && Number.isInteger(tok.exp), 'iat/exp are NumericDates');
      assert.equal(tok.exp - tok.iat, ttl, `lifetime ${tok.exp - tok.iat}`);
      assert.ok(typeof tok.jti === 'string' && tok.jti.length >= 16, `jti ${tok.jti}`);
    }
    assert.ok(Number.isInteger(a.payload.auth_time) && a.payload.auth_time <= a.payload.iat + 1, 'auth_time');
    assert.notEqual(a.payload.jti, m.payload.jti);
  });

  test('minted_token_with_the_service_key_is_accepted', async () => {
    // The control for the forgeries below: they fail for what they change, nothing else.
    const res = await api.get('/dashboard', { token: J.mintAccess(me.user.id, kid).token });
    expectStatus(res, 200);
    assert.equal(res.body.user.id, me.user.id);
  });

  test('expired_access_token_is_401', async () => {
    const t = J.now() - 3600;
    expectInvalidBearer(await api.get('/dashboard', { token: J.mintAccess(me.user.id, kid, { iat: t - 900, exp: t, auth_time: t - 900 }).token }));
  });

  test('hs256_signed_with_the_public_key_is_401', async () => {
    const { payload } = J.mintAccess(me.user.id, kid);
    for (const secret of [J.publicKeyPem('spki'), J.publicKeyPem('pkcs1'), JSON.stringify(jwks.keys[0])]) {
      const forged = J.signHS256({ alg: 'HS256', typ: 'at+jwt', kid }, payload, secret);
      expectInvalidBearer(await api.get('/dashboard', { token: forged }));
    }
  });

  test('alg_none_is_401', async () => {
    const { header, payload, token } = J.mintAccess(me.user.id, kid);
    for (const alg of ['none', 'None', 'NONE']) {
      expectInvalidBearer(await api.get('/dashboard', { token: J.unsigned(Object.assign({}, header, { alg }), payload) }));
      const keptSig = `${J.b64uJson(Object.assign({}, header, { alg }))}.${J.b64uJson(payload)}.${token.split('.')[2]}`;
      expectInvalidBearer(await api.get('/dashboard', { token: keptSig }));
    }
  });

  test('wrong_typ_is_not_accepted_as_access', async () => {
    for (const typ of ['mfa+jwt', 'JWT', undefined]) {
      const res = await api.get('/dashboard', { token: J.mintAccess(me.user.id, kid, {}, { typ }).token });
      assert.ok(res.status === 401 || res.status === 403, `typ ${typ}: ${res.status} ${res.text}`);
    }
    // The mfa_token's typ and claims signed with the access token key must not pass as an
    // mfa_token either: only the HS256 secret makes one.
    const asMfa = J.mintAccess(me.user.id, kid, { aal: 'aal1', amr: ['pwd'] }, { typ: 'JWT' }).token;
    expectProblem(await api.post('/verify', { code: me.code }, { token: asMfa }), 401, 'invalid-token');
  });

  test('wrong_iss_aud_or_missing_claims_is_401', async () => {
    const variants = [{ iss: 'not-verigate' }, { aud: 'another-service' }, { aud: ['another-service'] }, { iss: undefined },
      { aud: undefined }, { exp: undefined }, { sub: undefined }];
    for (const over of variants) {
      const res = await api.get('/dashboard', { token: J.mintAccess(me.user.id, kid, over).token });
      assert.equal(res.status, 401, `${JSON.stringify(over)}: ${res.status} ${res.text}`);
      expectInvalidBearer(res);
    }
  });

  test('tampered_payload_is_401', async () => {
    const other = await signup(api);
    const t = J.decode(me.access_token);
    for (const over of [{ sub: other.id }, { exp: t.payload.exp + 86400 }, { aal: 'aal3' }]) {
      const forged = `${t.parts[0]}.${J.b64uJson(Object.assign({}, t.payload, over))}.${t.parts[2]}`;
      expectInvalidBearer(await api.get('/dashboard', { token: forged }));
    }
  });

  test('token_signed_by_another_key_is_401', async () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { header, payload } = J.mintAccess(me.user.id, kid);
    expectInvalidBearer(await api.get('/dashboard', { token: J.signRS256(header, payload, privateKey) }));
  });

  // RFC 6750 §3.1: a request with no bearer credentials at all (no Authorization, another
  // scheme, a token without its scheme) is told only the scheme; a bearer token that was sent
  // and refused, even an empty or malformed one, gets error="invalid_token".
  test('dashboard_without_or_with_garbage_token_is_401', async () => {
    const bare = 'Bearer realm="verigate"';
    const refused = 'Bearer realm="verigate", error="invalid_token"';
    const none = await api.get('/dashboard');
    expectProblem(none, 401, 'invalid-token');
    assert.equal(none.headers.get('www-authenticate'), bare, 'no token');
    const cases = [['Bearer garbage', refused], ['Bearer a.b.c', refused], ['Bearer ', refused], ['bearer garbage', refused],
      [`Basic ${Buffer.from('a:b').toString('base64')}`, bare], [me.access_token, bare]];
    for (const [auth, challenge] of cases) {
      const res = await api.get('/dashboard', { headers: { Authorization: auth } });
      expectProblem(res, 401, 'invalid-token');
      assert.equal(res.headers.get('www-authenticate'), challenge, `Authorization: ${auth.slice(0, 20)}`);
    }
    expectInvalidBearer(await api.get('/dashboard', { token: 'garbage' }));
  });

  test('mfa_token_on_dashboard_is_403', async () => {
    const user = await signup(api);
    const lg = await login(api, user);
    const res = await api.get('/dashboard', { token: lg.mfa_token });
    expectProblem(res, 403, 'insufficient-authentication');
    assert.match(res.headers.get('www-authenticate') || '', /^Bearer\b.*error="insufficient_user_authentication"/i,
      `WWW-Authenticate: ${res.headers.get('www-authenticate')}`);
  });

  test('access_token_on_verify_is_401', async () => {
    const user = await signup(api);
    const lg = await login(api, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    expectProblem(await api.post('/verify', { code }, { token: me.access_token }), 401, 'invalid-token');
    expectProblem(await api.post('/resend', undefined, { token: me.access_token }), 401, 'invalid-token');
    const noToken = await api.post('/verify', { code });
    expectProblem(noToken, 401, 'invalid-token');
    assert.equal(noToken.headers.get('www-authenticate'), 'Bearer realm="verigate"', 'no token: the bare challenge');
    // A forged mfa_token naming a real pending login (alg none) does not consume it.
    const m = J.decode(lg.mfa_token);
    expectProblem(await api.post('/verify', { code }, { token: J.unsigned(Object.assign({}, m.header, { alg: 'none' }), m.payload) }), 401, 'invalid-token');
    expectStatus(await api.post('/verify', { code }, { token: lg.mfa_token }), 200);
  });

  test('each_kind_of_token_is_accepted_only_with_its_own_key', async () => {
    const mfa = J.mfaKey();
    // Access claims signed with the mfa_token secret (HS256, as typ at+jwt or JWT): refused; the
    // same claims with the access key pass.
    const { header, payload, token } = J.mintAccess(me.user.id, kid);
    for (const typ of ['at+jwt', 'JWT']) {
      expectInvalidBearer(await api.get('/dashboard', { token: J.signHS256(Object.assign({}, header, { alg: 'HS256', typ }), payload, mfa.secret) }));
    }
    expectStatus(await api.get('/dashboard', { token }), 200);
    // A live login's mfa_token claims signed with the access key: refused, the login left as it was;
    // signed with the mfa_token secret (as verigate signs them): accepted.
    const user = await signup(api);
    const lg = await login(api, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    const m = J.decode(lg.mfa_token);
    for (const typ of ['JWT', 'at+jwt']) {
      const withAccessKey = J.signRS256(Object.assign({}, m.header, { alg: 'RS256', typ }), m.payload);
      expectProblem(await api.post('/verify', { code }, { token: withAccessKey }), 401, 'invalid-token');
      expectProblem(await api.post('/resend', undefined, { token: withAccessKey }), 401, 'invalid-token');
    }
    // HS256 is deterministic: the same header and claims MACed with the secret derived here are the
    // very token verigate issued, byte for byte.
    const resigned = J.signMfa(m.header, m.payload);
    assert.equal(resigned, lg.mfa_token, 'the secret derived here is the one verigate signs with');
    expectStatus(await api.post('/verify', { code }, { token: resigned }), 200);
  });

  test('forged_mfa_tokens_are_401_and_leave_the_login', async () => {
    const user = await signup(api);
    const lg = await login(api, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    const { header, payload } = J.decode(lg.mfa_token);
    const secret = J.mfaKey().secret;
    const hs = (h, p, key = secret) => J.signHS256(Object.assign({}, header, h), Object.assign({}, payload, p), key);
    const forged = {
      'alg none, no signature': J.unsigned(Object.assign({}, header, { alg: 'none' }), payload),
      'HS256 keyed with the public PEM': hs({}, {}, J.publicKeyPem('spki')),
      'HS256 keyed with the JWKS': hs({}, {}, JSON.stringify(jwks)),
      'HS256 with another secret': hs({}, {}, crypto.randomBytes(32)),
      'HS384 with the secret': J.b64uJson(Object.assign({}, header, { alg: 'HS384' })) + '.' + J.b64uJson(payload) + '.' +
        J.b64u(crypto.createHmac('sha384', secret).update(`${J.b64uJson(Object.assign({}, header, { alg: 'HS384' }))}.${J.b64uJson(payload)}`).digest()),
      'alg hs256': hs({ alg: 'hs256' }, {}),
      'typ missing': hs({ typ: undefined }, {}),
      'typ at+jwt': hs({ typ: 'at+jwt' }, {}),
      'unknown kid': hs({ kid: 'not-a-known-kid' }, {}),
      'amr pwd and sms': hs({}, { amr: ['pwd', 'sms'] }),
      'aal2': hs({}, { aal: 'aal2' }),
      'another audience': hs({}, { aud: 'another-service' }),
      'no jti': hs({}, { jti: undefined }),
      'exp as a string': hs({}, { exp: String(payload.exp) }),
    };
    for (const [what, token] of Object.entries(forged)) {
      const res = await api.post('/verify', { code }, { token });
      assert.equal(res.status, 401, `${what}: ${res.status} ${res.text}`);
      expectProblem(res, 401, 'invalid-token');
    }
    // Control: the login is intact, and the real mfa_token still completes it.
    expectStatus(await api.post('/verify', { code }, { token: lg.mfa_token }), 200);
  });

  test('shared_instance_log_shows_no_tokens_or_phone_numbers', (t) => {
    // scripts/test runs the shared verigate at LOG_LEVEL=debug and names its log in VG_LOG_FILE;
    // this file and the others have driven every endpoint through it (with several files at once
    // some may still be running: what they logged so far is checked).
    const file = process.env.VG_LOG_FILE;
    if (!file) return t.skip('VG_LOG_FILE is not set');
    const logs = fs.readFileSync(file, 'utf8');
    assert.match(logs, /\/verify/, `${file} has the requests of this file`);
    assert.deepEqual(logLeaks(logs), [], `${file} shows a phone number or a token`);
    assert.ok(!logs.includes(me.access_token.split('.')[2]) && !logs.includes(me.mfa_token.split('.')[2]), 'a token signature is in the log');
  });
});
