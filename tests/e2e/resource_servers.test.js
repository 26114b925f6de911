'use strict';
// The two example resource servers, the Node one (examples/resource-server, jose) and the C one
// (examples/resource-server-c, OpenSSL + jansson + libsodium), through the same cases: a real
// access token is accepted, and an mfa_token, an expired token, a token of another key and a
// token without the second factor are refused.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { env } = require('./lib/env');
const { client } = require('./lib/http');
const { closeMongo } = require('./lib/stores');
const { freePort, launch, waitUntil, cleanupSpawned } = require('./lib/procs');
const { signedIn } = require('./lib/flow');
const J = require('./lib/jwt');

const api = client(env.VG_URL);

// checker.check(token) -> {accepted, sub, refusal}: what the example service decided.
async function nodeChecker() {
  const port = await freePort();
  const h = launch(`resource-server:${port}`, process.execPath, [path.join(env.ROOT, 'examples', 'resource-server', 'server.js')], {
    PATH: process.env.PATH, NODE_PATH: path.join(env.VG_TOOLS, 'node_modules'), PORT: String(port),
    VERIGATE_JWKS_URL: `${env.VG_URL}/.well-known/jwks.json`, VERIGATE_ISSUER: env.JWT_ISSUER, VERIGATE_AUDIENCE: env.JWT_AUDIENCE,
  });
  const url = `http://127.0.0.1:${port}/api/me`;
  await waitUntil(h, () => /resource server on/.test(h.output()), 10000, 'listening');
  return {
    name: 'node',
    async check(token) {
      const r = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
      const body = await r.json();
      return { accepted: r.status === 200, sub: body.user_id, refusal: `${r.status} ${r.headers.get('www-authenticate')} ${body.detail}` };
    },
  };
}

function cChecker(pemFile) {
  const bin = path.join(path.dirname(env.VERIGATE_BIN), 'examples', 'resource-server-c', 'vg-check-token');
  assert.ok(fs.existsSync(bin), `${bin} is built by meson`);
  return {
    name: 'c',
    check: (token) => new Promise((resolve) => {
      execFile(bin, [pemFile, env.JWT_ISSUER, env.JWT_AUDIENCE, token], { timeout: 5000 }, (err, stdout, stderr) => {
        resolve({ accepted: !err, sub: stdout.trim(), refusal: `exit ${err && err.code}: ${stderr.trim()}` });
      });
    }),
  };
}

describe('example resource servers', () => {
  let me, kid, tmp, checkers;

  before(async () => {
    me = await signedIn(api, env.EMULATOR_URL);
    kid = J.decode(me.access_token).header.kid;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-rs-'));
    const pem = path.join(tmp, 'jwt_public_key.pem');
    fs.writeFileSync(pem, J.publicKeyPem());
    checkers = [await nodeChecker(), cChecker(pem)];
  });
  after(async () => {
    await cleanupSpawned();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    await closeMongo();
  });

  const refusedBy = async (token, what, status) => {
    for (const c of checkers) {
      const r = await c.check(token);
      assert.equal(r.accepted, false, `${c.name} accepted ${what}`);
      if (c.name === 'node' && status) assert.match(r.refusal, new RegExp(`^${status} `), `${c.name}: ${r.refusal}`);
    }
  };

  test('resource_servers_accept_a_real_access_token', async () => {
    for (const c of checkers) {
      const r = await c.check(me.access_token);
      assert.equal(r.accepted, true, `${c.name}: ${r.refusal}`);
      assert.equal(r.sub, me.user.id, c.name);
    }
  });

  test('resource_servers_refuse_an_mfa_token', () => refusedBy(me.mfa_token, 'an mfa_token', 401));

  test('resource_servers_refuse_an_expired_token', () => {
    const t = J.now() - 3600;
    return refusedBy(J.mintAccess(me.user.id, kid, { iat: t, auth_time: t, exp: t + 900 }).token, 'an expired token', 401);
  });

  test('resource_servers_refuse_a_token_of_another_key', () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { header, payload } = J.mintAccess(me.user.id, kid);
    return refusedBy(J.signRS256(header, payload, privateKey), 'a token of another key', 401);
  });

  test('resource_servers_refuse_a_token_without_the_second_factor', () =>
    refusedBy(J.mintAccess(me.user.id, kid, { aal: 'aal1', amr: ['pwd'] }).token, 'an aal1 token', 403));

  test('resource_servers_refuse_a_token_for_another_audience_or_issuer', async () => {
    await refusedBy(J.mintAccess(me.user.id, kid, { aud: 'another-service' }).token, 'another audience', 401);
    await refusedBy(J.mintAccess(me.user.id, kid, { iss: 'https://evil.example' }).token, 'another issuer', 401);
  });
});
