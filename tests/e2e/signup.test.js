'use strict';
// POST /signup against the shared verigate: what comes back, what MongoDB holds, duplicates and
// validation.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { env, tool } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { users, closeMongo } = require('./lib/stores');
const { newUser, signup, hex, digits } = require('./lib/flow');

const api = client(env.VG_URL);

function fieldsOf(res) {
  assert.ok(Array.isArray(res.body.errors), `errors[] expected: ${res.text}`);
  for (const e of res.body.errors) {
    assert.equal(typeof e.field, 'string', res.text);
    assert.equal(typeof e.message, 'string', res.text);
    assert.ok(e.message.length > 0, res.text);
  }
  return res.body.errors.map((e) => e.field).sort();
}

describe('signup', () => {
  after(closeMongo);

  test('signup_creates_user_with_argon2id_hash_and_normalised_email', async () => {
    const user = newUser();
    const res = await api.post('/signup', Object.assign({}, user, { email: `  ${user.email.toUpperCase()}  ` }));
    expectStatus(res, 201);
    assert.deepEqual(Object.keys(res.body).sort(), ['email', 'id', 'name', 'phone', 'username'], res.text);
    assert.match(res.body.id, /^[0-9a-f]{24}$/);
    assert.equal(res.body.email, user.email);
    assert.equal(res.body.name, user.name);
    assert.equal(res.body.username, user.username);
    assert.equal(res.body.phone, user.phone);
    assert.ok(!res.text.includes(user.password), 'the password must never come back');
    assert.ok(!res.text.includes('argon2'), 'the hash must never come back');

    const { ObjectId } = tool('mongodb');
    const doc = await (await users()).findOne({ _id: new ObjectId(res.body.id) });
    assert.ok(doc, `no users document with _id ${res.body.id}`);
    assert.equal(doc.email, user.email, 'email stored trimmed and lower-cased');
    assert.equal(doc.username, user.username);
    assert.equal(doc.name, user.name);
    assert.equal(doc.phone, user.phone);
    assert.equal(doc.phone_verified, false);
    assert.equal(typeof doc.password_hash, 'string');
    assert.ok(doc.password_hash.startsWith('$argon2id$'), `password_hash: ${doc.password_hash}`);
    assert.ok(doc.created_at, 'created_at stored');
    assert.ok(!JSON.stringify(doc).includes(user.password), 'the plain password is stored nowhere');
  });

  test('signup_duplicate_email_is_409', async () => {
    const a = await signup(api);
    const b = newUser({ email: ` ${a.email.toUpperCase()}` });
    const res = await api.post('/signup', b);
    expectProblem(res, 409, 'already-exists');
    assert.deepEqual(fieldsOf(res), ['email']);
    assert.equal(await (await users()).countDocuments({ email: a.email }), 1);
    assert.equal(await (await users()).countDocuments({ username: b.username }), 0, 'the loser left nothing behind');
  });

  test('signup_duplicate_username_is_409', async () => {
    const a = await signup(api);
    const res = await api.post('/signup', newUser({ username: a.username }));
    expectProblem(res, 409, 'already-exists');
    assert.deepEqual(fieldsOf(res), ['username']);
    assert.equal(await (await users()).countDocuments({ username: a.username }), 1);
  });

  test('signup_duplicate_phone_is_409', async () => {
    const a = await signup(api);
    const res = await api.post('/signup', newUser({ phone: a.phone }));
    expectProblem(res, 409, 'already-exists');
    assert.deepEqual(fieldsOf(res), ['phone']);
    assert.equal(await (await users()).countDocuments({ phone: a.phone }), 1);
  });

  test('concurrent_duplicate_signups_create_one_user', async () => {
    const base = newUser();
    const tries = [0, 1, 2].map(() => api.post('/signup', newUser({ email: base.email })));
    const res = await Promise.all(tries);
    const statuses = res.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409, 409], res.map((r) => r.text).join('\n'));
    assert.equal(await (await users()).countDocuments({ email: base.email }), 1);
  });

  test('signup_validation_names_every_bad_field', async () => {
    const res = await api.post('/signup', { name: '', username: 'a b', email: 'not-an-email', password: 'short', phone: '5551234' });
    expectProblem(res, 400, 'validation-error');
    assert.deepEqual(fieldsOf(res), ['email', 'name', 'password', 'phone', 'username']);

    const empty = await api.post('/signup', {});
    expectProblem(empty, 400, 'validation-error');
    assert.deepEqual(fieldsOf(empty), ['email', 'name', 'password', 'phone', 'username']);
  });

  test('signup_rejects_each_field_outside_its_rule', async () => {
    const cases = [
      ['name', ''], ['name', 'n'.repeat(101)], ['name', 42],
      ['username', 'ab'], ['username', 'u'.repeat(33)], ['username', 'bad name'], ['username', 'semi;colon'], ['username', ['u_x']],
      ['email', 'no-at-sign'], ['email', 'a@'], ['email', { $ne: null }],
      ['password', 'seven77'], ['password', 'p'.repeat(129)], ['password', 12345678],
      ['phone', '+0123456789'], ['phone', '+1234567'], ['phone', `+1${'2'.repeat(15)}`], ['phone', '15551234567'],
      ['phone', '+1 555 123 4567'], ['phone', 15551234567],
    ];
    for (const [field, value] of cases) {
      const res = await api.post('/signup', newUser({ [field]: value }));
      expectProblem(res, 400, 'validation-error');
      assert.deepEqual(fieldsOf(res), [field], `${field}=${JSON.stringify(value).slice(0, 40)}: ${res.text}`);
    }
    const noPhone = newUser();
    const missing = await api.post('/signup', { name: noPhone.name, username: noPhone.username, email: noPhone.email, password: noPhone.password });
    expectProblem(missing, 400, 'validation-error');
    assert.deepEqual(fieldsOf(missing), ['phone']);
    assert.equal(await (await users()).countDocuments({ email: noPhone.email }), 0, 'nothing stored for an invalid signup');
  });

  test('signup_accepts_values_at_the_bounds', async () => {
    const low = newUser({ name: 'N', username: `a${hex(1)}`.slice(0, 3), password: 'p'.repeat(8), phone: `+4${digits(7)}` });
    expectStatus(await api.post('/signup', low), 201);
    const high = newUser({ name: 'N'.repeat(100), username: `u_${hex(15)}`, password: 'p'.repeat(128), phone: `+1555${digits(11)}` });
    assert.equal(high.username.length, 32);
    assert.equal(high.phone.length, 16);
    const res = await api.post('/signup', high);
    expectStatus(res, 201);
    assert.equal(res.body.name, high.name);
    const dotted = await api.post('/signup', newUser({ username: `A.b-C_${hex(3)}` }));
    expectStatus(dotted, 201);
  });
});
