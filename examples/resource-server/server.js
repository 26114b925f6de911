// server.js: a backend of its own that trusts verigate's access tokens. It checks each token
// offline against verigate's JWKS (jose), the way api/openapi.yaml (GET /.well-known/jwks.json)
// says a resource server must: the algorithm pinned, the signature by a key of the JWKS, `typ`
// at+jwt (RFC 9068), `iss`, `aud`, `exp`/`iat` with 5 s of skew, and `aal2` (both factors).
//   VERIGATE_JWKS_URL  verigate's /.well-known/jwks.json (or jwks_uri of its discovery document)
//   VERIGATE_ISSUER, VERIGATE_AUDIENCE  JWT_ISSUER and JWT_AUDIENCE of verigate (verigate)
//   VERIGATE_ALG       JWT_ALG of verigate (RS256)
//   PORT, BIND         where to listen (8090, 127.0.0.1)
'use strict';
const http = require('node:http');
const { createRemoteJWKSet, jwtVerify } = require('jose');

const jwks = createRemoteJWKSet(new URL(process.env.VERIGATE_JWKS_URL || 'http://127.0.0.1:8080/.well-known/jwks.json'));
const expected = {
  issuer: process.env.VERIGATE_ISSUER || 'verigate',
  audience: process.env.VERIGATE_AUDIENCE || 'verigate',
  algorithms: [process.env.VERIGATE_ALG || 'RS256'],
  typ: 'at+jwt',
  clockTolerance: 5,
  requiredClaims: ['sub', 'iat', 'exp', 'aal'],
};

// The verified claims of the request's bearer token; throws a {status, error} for the answer.
async function authenticate(req) {
  const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(req.headers.authorization || '');
  if (!m) throw { status: 401, error: 'invalid_token', detail: 'Send Authorization: Bearer <access token>' };
  let payload;
  try {
    ({ payload } = await jwtVerify(m[1], jwks, expected));
  } catch (e) {
    throw { status: 401, error: 'invalid_token', detail: `The access token is not valid (${e.code || e.message})` };
  }
  // RFC 9470: a token without the second factor is the wrong level, not an invalid token.
  if (payload.aal !== 'aal2') throw { status: 403, error: 'insufficient_user_authentication', detail: 'Complete the SMS step first' };
  return payload;
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': status < 400 ? 'application/json' : 'application/problem+json', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  if (req.method !== 'GET' || req.url !== '/api/me') return send(res, 404, { title: 'Not found', status: 404 });
  try {
    const claims = await authenticate(req);
    send(res, 200, { user_id: claims.sub, aal: claims.aal, auth_time: claims.auth_time });
  } catch (e) {
    if (!e.status) return send(res, 500, { title: 'Internal error', status: 500 });
    send(res, e.status, { title: e.error, status: e.status, detail: e.detail },
      { 'WWW-Authenticate': `Bearer error="${e.error}"` });
  }
});

server.listen(Number(process.env.PORT || 8090), process.env.BIND || '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`resource server on http://${address}:${port}/api/me`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
