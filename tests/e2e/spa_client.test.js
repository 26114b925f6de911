'use strict';
// The example SPA's typed client (examples/spa/api.js) against api/openapi.yaml: every operation
// it calls is in the spec with the status it expects and the same authentication, every member
// it sends is in the request schema, every member it reads is a required member of the answer's
// schema (or of Problem), and the client sends and returns nothing beyond its table.
const { describe, test, before } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { env, tool } = require('./lib/env');
const fs = require('node:fs');

// node with every local $ref followed.
function resolve(doc, node) {
  for (let n = 0; node && node.$ref; n++) {
    assert.ok(n < 32, 'a $ref loop');
    node = node.$ref.slice(2).split('/').reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return node;
}

// A schema with $ref resolved and allOf merged: its properties and required members.
function flatten(doc, schema) {
  schema = resolve(doc, schema);
  const out = { properties: Object.assign({}, schema.properties), required: [...(schema.required || [])] };
  for (const part of schema.allOf || []) {
    const f = flatten(doc, part);
    Object.assign(out.properties, f.properties);
    out.required.push(...f.required);
  }
  return out;
}

// The schema at a dotted member path ("user.name") of schema, and whether each step is required.
function member(doc, schema, dotted) {
  let node = schema;
  let required = true;
  for (const key of dotted.split('.')) {
    const f = flatten(doc, node);
    if (!(key in f.properties)) return null;
    required = required && f.required.includes(key);
    node = f.properties[key];
  }
  return { schema: node, required };
}

describe('example SPA client against the OpenAPI file', () => {
  let OPERATIONS, PROBLEM_READS, createClient, doc;

  before(async () => {
    ({ OPERATIONS, PROBLEM_READS, createClient } = await import(pathToFileURL(path.join(env.ROOT, 'examples', 'spa', 'api.js'))));
    doc = tool('yaml').parse(fs.readFileSync(env.OPENAPI_FILE, 'utf8'));
  });

  test('every_operation_the_client_calls_is_in_the_spec_with_its_status_and_auth', () => {
    for (const [name, op] of Object.entries(OPERATIONS)) {
      const o = doc.paths[op.path] && doc.paths[op.path][op.method.toLowerCase()];
      assert.ok(o, `${name}: ${op.method} ${op.path} is not in the OpenAPI file`);
      assert.ok(String(op.status) in o.responses, `${name}: status ${op.status} is not listed for ${op.method} ${op.path}`);
      const needsBearer = !(Array.isArray(o.security) && o.security.length === 0);
      assert.equal(Boolean(op.bearer), needsBearer, `${name}: bearer token ${op.bearer ? 'sent' : 'not sent'}, spec says ${needsBearer ? 'needed' : 'none'}`);
    }
  });

  test('every_member_the_client_sends_is_in_the_request_schema', () => {
    for (const [name, op] of Object.entries(OPERATIONS)) {
      if (op.sends.length === 0) continue;
      const o = doc.paths[op.path][op.method.toLowerCase()];
      const schema = o.requestBody && o.requestBody.content['application/json'].schema;
      assert.ok(schema, `${name}: sends ${op.sends} but the spec has no JSON request body`);
      const { properties } = flatten(doc, schema);
      for (const m of op.sends) assert.ok(m in properties, `${name}: sends "${m}", which the request schema does not have`);
    }
  });

  test('every_member_the_client_reads_is_a_required_member_of_the_answer', () => {
    for (const [name, op] of Object.entries(OPERATIONS)) {
      if (op.reads.length === 0) continue;
      const resp = resolve(doc, doc.paths[op.path][op.method.toLowerCase()].responses[String(op.status)]);
      const json = resp.content && resp.content['application/json'];
      assert.ok(json && json.schema, `${name}: reads ${op.reads} but ${op.status} has no JSON body`);
      for (const m of op.reads) {
        const hit = member(doc, json.schema, m);
        assert.ok(hit, `${name}: reads "${m}", which the ${op.status} schema does not have`);
        assert.ok(hit.required, `${name}: reads "${m}", which the ${op.status} schema does not require`);
      }
    }
    const problem = flatten(doc, doc.components.schemas.Problem);
    for (const m of PROBLEM_READS) assert.ok(m in problem.properties, `problems: reads "${m}", not in Problem`);
    for (const m of ['field', 'message']) assert.ok(member(doc, doc.components.schemas.FieldError, m).required, `FieldError.${m}`);
  });

  test('the_client_sends_and_returns_only_the_members_of_its_table', async () => {
    const seen = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (url, init) => {
      seen.push({ url, init });
      return new Response(JSON.stringify({ mfa_token: 'm', expires_in: 300, to: '+*******0123', token_type: 'Bearer', channel: 'sms', extra: 1 }),
        { status: 200, headers: { 'Content-Type': 'application/json' } });
    };
    try {
      const api = createClient('http://vg.test');
      const r = await api.login('a@example.com', 'pw');
      assert.deepEqual(r, { mfa_token: 'm', expires_in: 300, channel: 'sms', to: '+*******0123' });
      assert.equal(seen[0].url, 'http://vg.test/login');
      assert.deepEqual(JSON.parse(seen[0].init.body), { email: 'a@example.com', password: 'pw' });
      await api.signup({ name: 'n', username: 'u', email: 'e', password: 'p', phone: '+1', role: 'admin' }).catch((e) => e);
      assert.deepEqual(Object.keys(JSON.parse(seen[1].init.body)).sort(), ['email', 'name', 'password', 'phone', 'username']);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
