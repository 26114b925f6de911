'use strict';
// Stoplight Prism's own router and response validator (@stoplight/prism-http, the code that
// `prism proxy` runs on every answer it relays), loaded once per process, and the one format
// every contract check writes: a JSON line per answer in VG_CONTRACT_LOG, summed up by
// `node tests/e2e/lib/prism_proxy.js report`.
const fs = require('node:fs');
const { env, tool } = require('./env');

// The endpoints of the HTTP contract: a request to one of them that Prism cannot route means
// the spec lost the operation, never "not checked".
const CONTRACT = [
  'POST /signup', 'POST /login', 'POST /resend', 'POST /verify', 'POST /token/refresh', 'POST /logout', 'GET /dashboard',
  'GET /.well-known/jwks.json', 'GET /.well-known/oauth-authorization-server', 'GET /healthz', 'GET /readyz', 'GET /metrics',
];

// Only the parts needed: the package's index also loads its mocker and forwarder, which takes a
// test process seconds more (measured: 7.6 s against 2.5 s on a loaded 2-core machine).
const prism = (part) => tool(`@stoplight/prism-http/dist/${part}`);

let operations = null;
function ready() {
  if (!operations) operations = prism('utils/operations').getHttpOperationsFromSpec(env.OPENAPI_FILE);
  return operations;
}

// The operation of the spec a request is for, or null (unknown path or method: 404/405).
function routeOf(ops, method, pathname) {
  const route = prism('router').default;
  const r = route({ resources: ops, input: { method: method.toLowerCase(), url: { path: pathname } } });
  return r._tag === 'Right' ? r.right : null;
}

function hasBody(body) {
  return body !== undefined && body !== null && body !== '';
}

// Returns [Prism's own result, the violations found]. Prism files a status the operation does
// not list as a mere warning unless it is 2xx, and lets a body through where the spec lists no
// content: here both are violations like any other.
function judge(resource, output) {
  const r = prism('validator').validateOutput({ resource, element: output });
  const violations = r._tag === 'Right' ? [] : r.left.map((d) => `${['response'].concat(d.path || []).join('.')}: ${d.message}`);
  const spec = prism('validator/utils/spec').findOperationResponse(resource.responses, output.statusCode);
  if (spec._tag === 'Some' && !(spec.value.contents || []).length && hasBody(output.body)) {
    violations.push(`response.body: a body came back but the spec lists no content for ${spec.value.code}`);
  }
  return [r, violations];
}

// One exchange as a log line: who answered, what, and what is wrong with it. resource null: the
// request is for no operation of the spec (a 404 or 405), so there is nothing to check it against.
function entry(via, method, pathname, resource, output, violations) {
  const m = method.toUpperCase();
  const missing = !resource && CONTRACT.includes(`${m} ${pathname}`) ? ['the operation is missing from the OpenAPI file'] : [];
  return {
    via, method: m, path: pathname,
    operation: resource ? `${resource.method.toUpperCase()} ${resource.path}` : null,
    status: output.statusCode, violations: violations.concat(missing),
  };
}

function record(line) {
  const file = process.env.VG_CONTRACT_LOG;
  if (file) fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  return line;
}

// Checks one answer in this process (for an instance a test started itself, which no proxy
// stands in front of). headers: a Headers object or a plain object; body: the parsed JSON, or
// the text. Returns the violations: empty when it conforms.
async function checkAnswer(method, pathname, status, headers, body) {
  const ops = await ready();
  const resource = routeOf(ops, method, pathname);
  const h = {};
  for (const [k, v] of (headers instanceof Headers ? headers.entries() : Object.entries(headers))) h[k.toLowerCase()] = v;
  const output = { statusCode: status, headers: h, body };
  return record(entry('in-process', method, pathname, resource, output, resource ? judge(resource, output)[1] : [])).violations;
}

module.exports = { ready, judge, entry, record, checkAnswer };
