'use strict';
// Checks each response against api/openapi.yaml: the operation must list the status (or a 4XX
// range, or default), the media type must be one the spec lists for it, and a JSON body must
// satisfy the schema's structure (types, required, enum, nested objects and arrays).
const fs = require('node:fs');
const { env, tool } = require('./env');

// The endpoints of the HTTP contract: the spec must document every one of them, so a request to
// one of these is never skipped for "path not in the spec".
const CONTRACT = [
  'post /signup', 'post /login', 'post /resend', 'post /verify', 'post /token/refresh', 'post /logout', 'get /dashboard',
  'get /.well-known/jwks.json', 'get /healthz', 'get /readyz', 'get /metrics',
];

let cached = null;
function spec() {
  if (cached) return cached;
  const file = env.OPENAPI_FILE;
  if (!fs.existsSync(file)) throw new Error(`e2e: OpenAPI file ${file} does not exist`);
  const doc = tool('yaml').parse(fs.readFileSync(file, 'utf8'));
  if (!doc || typeof doc.paths !== 'object') throw new Error(`e2e: ${file} has no paths`);
  const templates = Object.keys(doc.paths).map((p) => ({
    template: p,
    re: new RegExp('^' + p.split(/\{[^}]+\}/).map(escapeRe).join('[^/]+') + '$'),
  }));
  cached = { doc, templates };
  return cached;
}

function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

function resolve(doc, node, seen = 0) {
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (seen++ > 32) throw new Error('e2e: $ref loop in OpenAPI file');
    const ref = node.$ref;
    if (!ref.startsWith('#/')) throw new Error(`e2e: external $ref ${ref} not supported`);
    let target = doc;
    for (const part of ref.slice(2).split('/')) {
      target = target && target[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    if (target === undefined) throw new Error(`e2e: unresolved $ref ${ref}`);
    node = target;
  }
  return node;
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want, got) {
  return want === got || (want === 'number' && got === 'integer');
}

// A small structural JSON-Schema check: enough to catch a missing field, a wrong type or an
// undocumented enum value. Unknown keywords are ignored rather than guessed at.
function check(doc, schema, value, where, errors) {
  schema = resolve(doc, schema);
  if (!schema || typeof schema !== 'object' || schema === true) return;
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf) check(doc, s, value, where, errors);
  for (const key of ['oneOf', 'anyOf']) {
    if (!Array.isArray(schema[key])) continue;
    const ok = schema[key].some((s) => { const e = []; check(doc, s, value, where, e); return e.length === 0; });
    if (!ok) errors.push(`${where}: matches none of ${key}`);
  }
  const got = typeOf(value);
  let types = schema.type === undefined ? [] : [].concat(schema.type);
  if (schema.nullable === true) types = types.concat('null');
  if (types.length && !types.some((t) => typeMatches(t, got))) {
    errors.push(`${where}: type ${got}, spec says ${types.join('|')}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errors.push(`${where}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema.enum)}`);
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    errors.push(`${where}: ${JSON.stringify(value)} is not const ${JSON.stringify(schema.const)}`);
  }
  if (got === 'object') {
    for (const r of schema.required || []) if (!(r in value)) errors.push(`${where}: required "${r}" missing`);
    const props = schema.properties || {};
    for (const [k, v] of Object.entries(value)) {
      if (props[k]) check(doc, props[k], v, `${where}.${k}`, errors);
      else if (schema.additionalProperties === false) errors.push(`${where}: "${k}" not allowed by the spec`);
    }
  } else if (got === 'array' && schema.items) {
    value.forEach((item, i) => check(doc, schema.items, item, `${where}[${i}]`, errors));
  }
}

function mediaType(ct) { return (ct || '').split(';')[0].trim().toLowerCase(); }

// Returns a list of conformance errors for one exchange (empty when it conforms). Requests to
// paths the spec does not have, or with a method that path does not list, are not checked
// (that is what 404 and 405 are about) unless they are contract endpoints.
function conformance(method, pathname, status, contentType, body, text) {
  const { doc, templates } = spec();
  const m = method.toLowerCase();
  const key = `${m} ${pathname}`;
  const hit = templates.find((t) => t.re.test(pathname));
  const item = hit && resolve(doc, doc.paths[hit.template]);
  const op = item && item[m];
  if (!op) {
    return CONTRACT.includes(key) ? [`${method} ${pathname}: operation missing from the OpenAPI file`] : [];
  }
  const responses = op.responses || {};
  const range = `${String(status)[0]}XX`;
  const declared = responses[String(status)] || responses[range] || responses[range.toLowerCase()] || responses.default;
  if (!declared) {
    return [`${method} ${hit.template}: status ${status} is not listed (spec has ${Object.keys(responses).join(', ')})`];
  }
  const resp = resolve(doc, declared);
  const content = resp.content || {};
  const mt = mediaType(contentType);
  if (!text) {
    return [];
  }
  if (!Object.keys(content).length) {
    return [`${method} ${hit.template} ${status}: a body came back (${mt}) but the spec lists no content`];
  }
  const spot = Object.keys(content).find((k) => k.toLowerCase() === mt);
  if (!spot) {
    return [`${method} ${hit.template} ${status}: Content-Type ${mt || '(none)'}; spec lists ${Object.keys(content).join(', ')}`];
  }
  const errors = [];
  if (body !== undefined && content[spot] && content[spot].schema) {
    check(doc, content[spot].schema, body, `${method} ${hit.template} ${status} body`, errors);
  }
  return errors;
}

module.exports = { conformance, spec, CONTRACT };
