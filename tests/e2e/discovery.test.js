'use strict';
// Discovery (RFC 8414 subset): a library given only verigate's base URL finds the JWKS and
// verifies a real access token with it; every URL comes from the configuration, never from the
// request's Host header; without a public URL nothing is published.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { env, tool } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo } = require('./lib/stores');
const { freePort, startVerigate, cleanupSpawned } = require('./lib/procs');
const { signedIn } = require('./lib/flow');

const WELL_KNOWN = '/.well-known/oauth-authorization-server';

describe('discovery', () => {
  let vg, api;

  before(async () => {
    const port = await freePort();
    vg = await startVerigate({ port, env: { PUBLIC_URL: `http://127.0.0.1:${port}/` } });
    api = client(vg.url);
  });
  after(async () => { await cleanupSpawned(); await closeMongo(); });

  test('discovered_jwks_uri_verifies_a_real_access_token_with_jose', async () => {
    const { createRemoteJWKSet, jwtVerify } = tool('jose');
    const res = await api.get(WELL_KNOWN);
    expectStatus(res, 200);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
    const meta = res.body;
    assert.equal(meta.issuer, env.JWT_ISSUER);
    assert.equal(meta.jwks_uri, `${vg.url}/.well-known/jwks.json`);
    assert.deepEqual(meta.verigate_access_token_signing_alg_values_supported, ['RS256']);
    for (const absent of ['token_endpoint', 'grant_types_supported', 'token_endpoint_auth_methods_supported']) {
      assert.ok(!(absent in meta), `${absent} must not be claimed: verigate speaks no OAuth grant`);
    }
    const me = await signedIn(api, env.EMULATOR_URL);
    const jwks = createRemoteJWKSet(new URL(meta.jwks_uri));
    const options = { issuer: meta.issuer, audience: env.JWT_AUDIENCE, typ: 'at+jwt',
      algorithms: meta.verigate_access_token_signing_alg_values_supported };
    const { payload, protectedHeader } = await jwtVerify(me.access_token, jwks, options);
    assert.equal(payload.sub, me.user.id);
    assert.equal(payload.aal, 'aal2');
    assert.equal(protectedHeader.typ, 'at+jwt');
    // The same verifier turns the mfa_token away: HS256, a secret no JWKS holds.
    await assert.rejects(jwtVerify(me.mfa_token, jwks, options), /alg|JWSSignatureVerificationFailed|JOSEAlgNotAllowed/);
  });

  test('discovery_urls_come_from_public_url_not_the_host_header', async () => {
    const res = await api.raw('GET', WELL_KNOWN, { headers: { Host: 'attacker.example' } });
    expectStatus(res, 200);
    const urls = [res.body.jwks_uri, ...Object.values(res.body.verigate_endpoints)];
    assert.equal(urls.length, 18);
    for (const u of urls) assert.ok(u.startsWith(`${vg.url}/`), `${u} is not under PUBLIC_URL ${vg.url}`);
    assert.equal(res.body.verigate_endpoints.refresh, `${vg.url}/token/refresh`);
    assert.equal(res.body.verigate_endpoints.phone_change_verify, `${vg.url}/me/phone/verify`);
  });

  test('discovery_follows_an_https_issuer_when_public_url_is_unset', async () => {
    const other = await startVerigate({ env: { JWT_ISSUER: 'https://auth.example.test' } });
    const res = await client(other.url).get(WELL_KNOWN);
    expectStatus(res, 200);
    assert.equal(res.body.issuer, 'https://auth.example.test');
    assert.equal(res.body.jwks_uri, 'https://auth.example.test/.well-known/jwks.json');
    assert.equal(res.body.verigate_endpoints.login, 'https://auth.example.test/login');
  });

  test('discovery_is_not_published_without_a_public_url', async () => {
    // The shared instance: JWT_ISSUER=verigate (no URL) and no PUBLIC_URL.
    const res = await client(env.VG_URL).get(WELL_KNOWN);
    expectProblem(res, 404, 'not-found');
    assert.match(res.body.detail, /PUBLIC_URL/);
  });
});
