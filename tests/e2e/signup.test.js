'use strict';
// POST /signup against the shared verigate: what comes back, what MongoDB holds, duplicates and
// validation.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { env, tool } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { users, closeMongo } = require('./lib/stores');
const { newUser, signup, hex, digits, usPhone, ukMobile } = require('./lib/flow');

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

  test('signup_username_taken_in_another_case_is_409', async () => {
    const a = await signup(api, newUser({ username: `Ann_${hex(6)}` }));
    for (const other of [a.username.toUpperCase(), a.username.toLowerCase()]) {
      const res = await api.post('/signup', newUser({ username: other }));
      expectProblem(res, 409, 'already-exists');
      assert.deepEqual(fieldsOf(res), ['username']);
    }
    const stored = await (await users()).find({ username: new RegExp(`^${a.username}$`, 'i') }).toArray();
    assert.deepEqual(stored.map((d) => d.username), [a.username], 'one user, with the case it signed up with');
  });

  // A number belongs to the account that verifies it first (tests/e2e/phone_change.test.js):
  // registering one proves nothing, so signup neither refuses it nor tells who else has it.
  test('signup_of_a_number_another_account_registered_is_201_and_unverified', async () => {
    const a = await signup(api);
    const b = await signup(api, newUser({ phone: a.phone }));
    const docs = await (await users()).find({ phone: a.phone }).toArray();
    assert.deepEqual(docs.map((d) => String(d._id)).sort(), [a.id, b.id].sort());
    assert.ok(docs.every((d) => d.phone_verified === false));
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
      ['phone', '+1 555 123 4567'], ['phone', 15551234567], ['phone', 'call me'], ['phone', usPhone().padEnd(65)],
      ['region', 'XX'], ['region', 'USA'], ['region', 1],
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
    const low = newUser({ name: 'N', username: `a${hex(1)}`.slice(0, 3), password: 'p'.repeat(8) });
    // Three characters leave 256 names: the ASan run (same database) or an earlier test may hold it.
    await (await users()).deleteMany({ username_key: low.username });
    expectStatus(await api.post('/signup', low), 201);
    // A phone as typed may take 64 bytes (spaces included); it is stored as E.164.
    const mobile = ukMobile();
    const high = newUser({ name: 'N'.repeat(100), username: `u_${hex(15)}`, password: 'p'.repeat(128), phone: mobile.padEnd(64) });
    assert.equal(high.username.length, 32);
    const res = await api.post('/signup', high);
    expectStatus(res, 201);
    assert.equal(res.body.name, high.name);
    assert.equal(res.body.phone, mobile);
    const dotted = await api.post('/signup', newUser({ username: `A.b-C_${hex(3)}` }));
    expectStatus(dotted, 201);
  });

  test('signup_normalises_a_national_number_with_region_to_e164', async () => {
    const cases = [
      { phone: '(415) 555-2671', region: 'US', e164: '+14155552671' },
      { phone: '07400 123456', region: 'gb', e164: '+447400123456' },
      { phone: '06 12 34 56 78', region: 'FR', e164: '+33612345678' },
      { phone: '+49 151 2345 6789', region: 'US', e164: '+4915123456789' }, // '+' wins over region
    ];
    for (const c of cases) {
      await (await users()).deleteMany({ phone: c.e164 }); // a rerun against the same database
      const user = newUser({ phone: c.phone, region: c.region });
      const res = await api.post('/signup', user);
      expectStatus(res, 201);
      assert.equal(res.body.phone, c.e164, `${c.phone} in ${c.region}`);
      const doc = await (await users()).findOne({ email: user.email });
      assert.equal(doc.phone, c.e164);
      assert.ok(!('region' in doc), 'the region is only how the number was read');
    }
    // The same number typed another way is the same phone, stored alike (registering a number
    // another account has is no conflict: only verifying it is).
    const again = newUser({ phone: '415.555.2671', region: 'US' });
    const same = await api.post('/signup', again);
    expectStatus(same, 201);
    assert.equal(same.body.phone, '+14155552671');
  });

  test('signup_refuses_numbers_that_cannot_receive_sms_naming_phone', async () => {
    const cases = [
      ['+1 900 234 5678', /premium-rate/], // US premium rate
      ['+44 901 234 5678', /premium-rate/], // UK premium rate
      ['+33 8 84 01 23 45', /shared-cost/], // France shared cost
      ['+34 901 12 34 56', /shared-cost/], // Spain shared cost
      ['+44 121 234 5678', /landline/], // UK geographic
      ['+1 800 234 5678', /toll-free/],
      ['+44 70 1234 5678', /personal/],
      ['+1 555 123 4567', /not a valid phone number/], // no area code 555
      ['+1 415 555 2671 ext. 9', /extension/],
      ['4155552671', /country code, or come with a region/],
    ];
    for (const [phone, message] of cases) {
      const user = newUser({ phone });
      const res = await api.post('/signup', user);
      expectProblem(res, 400, 'validation-error');
      assert.deepEqual(fieldsOf(res), ['phone'], `${phone}: ${res.text}`);
      assert.match(res.body.errors[0].message, message, phone);
      assert.equal(await (await users()).countDocuments({ email: user.email }), 0, `nothing stored for ${phone}`);
    }
  });
});
