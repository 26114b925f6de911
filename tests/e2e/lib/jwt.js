'use strict';
// JWT by hand with node:crypto: decoding what verigate issues, checking it against the JWKS the
// way another backend would, and minting forgeries with the service's own key or without it.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { env } = require('./env');

const b64u = (buf) => Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const b64uJson = (obj) => b64u(JSON.stringify(obj));
const unb64u = (s) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

function decode(token) {
  assert.equal(typeof token, 'string', 'token must be a string');
  const parts = token.split('.');
  assert.equal(parts.length, 3, `a JWS compact token has 3 parts: ${token}`);
  return {
    header: JSON.parse(unb64u(parts[0]).toString('utf8')),
    payload: JSON.parse(unb64u(parts[1]).toString('utf8')),
    signature: unb64u(parts[2]),
    signingInput: `${parts[0]}.${parts[1]}`,
    parts,
  };
}

function privateKeyPem() { return fs.readFileSync(env.JWT_PRIVATE_KEY_FILE, 'utf8'); }
function publicKey() { return crypto.createPublicKey(privateKeyPem()); }
// The public key as PEM, in the SubjectPublicKeyInfo ("BEGIN PUBLIC KEY") or PKCS#1 form.
function publicKeyPem(type = 'spki') { return publicKey().export({ type, format: 'pem' }); }

function signRS256(header, payload, key = privateKeyPem()) {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  return `${input}.${b64u(crypto.sign('sha256', Buffer.from(input), key))}`;
}

// RFC 7638 thumbprint of a public RSA or EC JWK: verigate's kid.
function thumbprint(jwk) {
  const members = jwk.kty === 'RSA' ? { e: jwk.e, kty: 'RSA', n: jwk.n } : { crv: jwk.crv, kty: 'EC', x: jwk.x, y: jwk.y };
  return b64u(crypto.createHash('sha256').update(JSON.stringify(members)).digest());
}

// The HS256 secret verigate signs mfa_tokens with, derived here independently of its C code from
// the signing key (src/adapters/mfa_jwt.h, jwt_key_derive_secret): HKDF-SHA256 (RFC 5869) with an
// empty salt over the key's JWK "d", info = MFA_SECRET_INFO, 32 bytes. Returns { secret, kid },
// kid being the signing key's thumbprint, which an mfa_token names so that verigate picks the
// secret of the right key after a rotation.
const MFA_SECRET_INFO = 'verigate mfa_token HS256 secret v1';
function mfaKey(pem = privateKeyPem()) {
  const jwk = crypto.createPrivateKey(pem).export({ format: 'jwk' });
  const secret = Buffer.from(crypto.hkdfSync('sha256', unb64u(jwk.d), Buffer.alloc(0), Buffer.from(MFA_SECRET_INFO), 32));
  return { secret, kid: thumbprint(jwk) };
}

function signHS256(header, payload, secret) {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  return `${input}.${b64u(crypto.createHmac('sha256', secret).update(input).digest())}`;
}

// A token re-signed with the mfa_token secret derived from the service's key (as verigate would).
function signMfa(header, payload, pem = privateKeyPem()) { return signHS256(header, payload, mfaKey(pem).secret); }

function unsigned(header, payload) { return `${b64uJson(header)}.${b64uJson(payload)}.`; }

// True when the JWKS holds a key with the token's kid whose RS256 signature checks out.
function verifyWithJwks(token, jwks) {
  const { header, signature, signingInput } = decode(token);
  const jwk = (jwks.keys || []).find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== 'RS256') return false;
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  return crypto.verify('sha256', Buffer.from(signingInput), key, signature);
}

// True when the token is HS256 and its MAC checks out with secret.
function verifyHS256(token, secret) {
  const { header, signature, signingInput } = decode(token);
  if (header.alg !== 'HS256') return false;
  const mac = crypto.createHmac('sha256', secret).update(signingInput).digest();
  return mac.length === signature.length && crypto.timingSafeEqual(mac, signature);
}

const now = () => Math.floor(Date.now() / 1000);

// The client_id of access tokens (RFC 9068 §2.2): JWT_CLIENT_ID, by default the audience.
const clientId = () => process.env.JWT_CLIENT_ID || env.JWT_AUDIENCE;

// An access token as verigate would issue it, for sub, signed with the service's private key;
// over overrides claims (undefined deletes), headerOver the JOSE header.
function mintAccess(sub, kid, over = {}, headerOver = {}) {
  const t = now();
  const header = Object.assign({ alg: 'RS256', typ: 'at+jwt', kid }, headerOver);
  const payload = Object.assign({
    iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, client_id: clientId(), sub, iat: t, exp: t + 600, auth_time: t,
    jti: crypto.randomBytes(16).toString('hex'), sid: crypto.randomBytes(16).toString('base64url'),
    aal: 'aal2', amr: ['pwd', 'sms'],
  }, over);
  for (const [k, v] of Object.entries(over)) if (v === undefined) delete payload[k];
  for (const [k, v] of Object.entries(headerOver)) if (v === undefined) delete header[k];
  return { header, payload, token: signRS256(header, payload) };
}

module.exports = {
  b64u, b64uJson, unb64u, decode, privateKeyPem, publicKey, publicKeyPem, signRS256, signHS256, unsigned,
  thumbprint, mfaKey, signMfa, verifyWithJwks, verifyHS256, mintAccess, clientId, now,
};
