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

function signHS256(header, payload, secret) {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  return `${input}.${b64u(crypto.createHmac('sha256', secret).update(input).digest())}`;
}

function unsigned(header, payload) { return `${b64uJson(header)}.${b64uJson(payload)}.`; }

// True when the JWKS holds a key with the token's kid whose RS256 signature checks out.
function verifyWithJwks(token, jwks) {
  const { header, signature, signingInput } = decode(token);
  const jwk = (jwks.keys || []).find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== 'RS256') return false;
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  return crypto.verify('sha256', Buffer.from(signingInput), key, signature);
}

const now = () => Math.floor(Date.now() / 1000);

// An access token as verigate would issue it, for sub, signed with the service's private key;
// over overrides claims (undefined deletes), headerOver the JOSE header.
function mintAccess(sub, kid, over = {}, headerOver = {}) {
  const t = now();
  const header = Object.assign({ alg: 'RS256', typ: 'at+jwt', kid }, headerOver);
  const payload = Object.assign({
    iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE, sub, iat: t, exp: t + 600, auth_time: t,
    jti: crypto.randomBytes(16).toString('hex'), sid: crypto.randomBytes(16).toString('base64url'),
    aal: 'aal2', amr: ['pwd', 'sms'],
  }, over);
  for (const [k, v] of Object.entries(over)) if (v === undefined) delete payload[k];
  for (const [k, v] of Object.entries(headerOver)) if (v === undefined) delete header[k];
  return { header, payload, token: signRS256(header, payload) };
}

module.exports = { b64u, b64uJson, unb64u, decode, privateKeyPem, publicKey, publicKeyPem, signRS256, signHS256, unsigned, verifyWithJwks, mintAccess, now };
