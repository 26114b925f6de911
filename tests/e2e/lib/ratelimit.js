'use strict';
// verigate's rate-limit counter names, computed here independently of its C code
// (src/adapters/rate_limit_keys.h): `vg:rl:<scope>:<first 128 bits of HMAC-SHA256(k, subject)>`,
// k = HKDF-SHA256 with an empty salt over the JWK "d" of the oldest signing key, info
// 'verigate rate-limit keys v1', 32 bytes. An account's tag in the audit log is the first 16 hex
// digits of the same HMAC.
const crypto = require('node:crypto');
const fs = require('node:fs');
const { env } = require('./env');

const RATE_LIMIT_INFO = 'verigate rate-limit keys v1';

function rateLimitSecret(pem = fs.readFileSync(env.JWT_PRIVATE_KEY_FILE, 'utf8')) {
  const jwk = crypto.createPrivateKey(pem).export({ format: 'jwk' });
  return Buffer.from(crypto.hkdfSync('sha256', Buffer.from(jwk.d, 'base64url'), Buffer.alloc(0), Buffer.from(RATE_LIMIT_INFO), 32));
}

const keyedHex = (subject, pem) => crypto.createHmac('sha256', rateLimitSecret(pem)).update(subject).digest('hex');
const rateLimitKey = (scope, subject, pem) => `vg:rl:${scope}:${keyedHex(subject, pem).slice(0, 32)}`;
const accountTag = (subject, pem) => keyedHex(subject, pem).slice(0, 16);
// The name an unkeyed SHA-256 gave a counter before: anyone could compute it.
const plainKey = (scope, subject) => `vg:rl:${scope}:${crypto.createHash('sha256').update(subject).digest('hex').slice(0, 32)}`;

module.exports = { rateLimitKey, accountTag, plainKey };
