'use strict';
// The one way tests talk to verigate. Every response is checked against the OpenAPI file and,
// when it is an error, against the problem+json shape the contract promises; a test asserting
// "401" therefore also proves the 401 is documented and well-formed. The OpenAPI check is
// Stoplight Prism's: the proxy scripts/test puts in front of the shared instance (VG_URL) checks
// what goes through it, and lib/prism.js checks here whatever does not (own instances).
const assert = require('node:assert/strict');
const http = require('node:http');
const { env } = require('./env');
const { checkAnswer } = require('./prism');

function parseBody(text, contentType) {
  if (!text) return undefined;
  if (/json/i.test(contentType || '')) {
    try { return JSON.parse(text); } catch (e) { return undefined; }
  }
  return undefined;
}

// True when Prism's proxy sees this answer: scripts/test set VG_DIRECT_URL and VG_URL is the
// proxy in front of it.
function throughProxy(base) {
  return Boolean(process.env.VG_DIRECT_URL) && new URL(base).origin === new URL(env.VG_URL).origin;
}

async function verify(base, method, pathname, res, opts) {
  const ct = res.headers.get('content-type') || '';
  const where = `${method} ${pathname} -> ${res.status} ${res.text.slice(0, 300)}`;
  if (/json/i.test(ct) && res.text) {
    assert.notEqual(res.body, undefined, `${where}: Content-Type says JSON but the body does not parse`);
  }
  if (res.status >= 400) {
    assert.equal(ct.split(';')[0].trim().toLowerCase(), 'application/problem+json',
      `${where}: an error must be application/problem+json, got "${ct}"`);
    const b = res.body;
    assert.ok(b && typeof b === 'object', `${where}: problem body must be an object`);
    assert.equal(typeof b.type, 'string', `${where}: problem.type`);
    assert.match(b.type, /\/problems\/[a-z0-9-]+$/, `${where}: problem.type`);
    assert.equal(typeof b.title, 'string', `${where}: problem.title`);
    assert.equal(typeof b.detail, 'string', `${where}: problem.detail`);
    assert.equal(b.status, res.status, `${where}: problem.status must equal the HTTP status`);
  }
  if (opts.spec !== false && !throughProxy(base)) {
    const errs = await checkAnswer(method, pathname, res.status, res.headers, res.body !== undefined ? res.body : res.text);
    assert.deepEqual(errs, [], `OpenAPI conformance (Prism): ${where}`);
  }
}

// request(base, 'POST', '/login', {json: {...}, token, headers, body, spec, timeoutMs})
// json: an object to send as application/json; body: a raw string/Buffer (with headers of your own).
async function request(base, method, path, opts = {}) {
  const headers = Object.assign({}, opts.headers || {});
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  if (opts.token !== undefined) headers.Authorization = `Bearer ${opts.token}`;
  let resp, text;
  try {
    resp = await fetch(base + path, { method, headers, body, signal: AbortSignal.timeout(opts.timeoutMs || 20000) });
    text = await resp.text();
  } catch (e) {
    const why = e.cause ? `${e.cause.code || ''} ${e.cause.message || ''}`.trim() : e.name;
    throw new Error(`${method} ${base}${path}: ${e.message} (${why}): is verigate still running?`);
  }
  const res = {
    status: resp.status,
    headers: resp.headers,
    text,
    body: parseBody(text, resp.headers.get('content-type')),
  };
  await verify(base, method, new URL(base + path).pathname, res, opts);
  return res;
}

// A raw request through node:http, for what fetch will not do (chunked bodies of our making,
// no Content-Type at all with a body). Same checks as request().
function rawRequest(base, method, path, { headers = {}, chunks = [], spec, timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(base + path);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers });
    const timer = setTimeout(() => req.destroy(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.on('response', (r) => {
      const parts = [];
      r.on('data', (d) => parts.push(d));
      r.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(parts).toString('utf8');
        const h = new Headers();
        for (const [k, v] of Object.entries(r.headers)) h.set(k, Array.isArray(v) ? v.join(', ') : String(v));
        const res = { status: r.statusCode, headers: h, text, body: parseBody(text, r.headers['content-type']) };
        verify(base, method, u.pathname, res, { spec }).then(() => resolve(res), reject);
      });
    });
    // The server may answer (413) and close before it read everything: that is fine.
    req.on('socket', (s) => s.on('error', () => {}));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

function problemType(res) { return res.body && typeof res.body.type === 'string' ? res.body.type.replace(/^.*\/problems\//, '') : undefined; }

// Asserts status and problem type in one go, with the whole response in the message.
function expectProblem(res, status, type) {
  const where = `expected ${status} ${type}, got ${res.status} ${res.text.slice(0, 500)}`;
  assert.equal(res.status, status, where);
  assert.equal(problemType(res), type, where);
}

function expectStatus(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status} ${res.text.slice(0, 500)}`);
}

// A client bound to one base URL.
function client(base) {
  return {
    base,
    get: (path, opts) => request(base, 'GET', path, opts),
    post: (path, json, opts = {}) => request(base, 'POST', path, Object.assign({}, opts, json === undefined ? {} : { json })),
    request: (method, path, opts) => request(base, method, path, opts),
    raw: (method, path, opts) => rawRequest(base, method, path, opts),
  };
}

module.exports = { request, rawRequest, client, expectProblem, expectStatus, problemType };
