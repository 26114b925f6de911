'use strict';
// The steps of the two-factor flow, each asserting its own success, so that tests read as the
// behaviour they check. Users are unique per call: tests never share or collide on data.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { expectStatus } = require('./http');

const hex = (n) => crypto.randomBytes(n).toString('hex');
const digits = (n) => Array.from(crypto.randomBytes(n), (b) => String(b % 10)).join('');

// Numbers that libphonenumber's plan knows as assigned and able to receive SMS, at random so
// that tests never collide: US (area codes in use, exchange 2-9) and UK mobiles (+44 740).
const US_AREAS = ['201', '202', '206', '212', '213', '303', '305', '312', '404', '415', '503', '512', '617', '646', '702'];
// A client IP no other test (nor an earlier run against the same Redis) has used: 24 random bits
// in 10/8, so per-IP counters never carry over from one test to the next.
const freshIp = () => `10.${crypto.randomInt(256)}.${crypto.randomInt(256)}.${crypto.randomInt(1, 255)}`;
const usPhone = () => `+1${US_AREAS[crypto.randomInt(US_AREAS.length)]}${crypto.randomInt(2, 10)}${digits(6)}`;
const ukMobile = () => `+44740${digits(7)}`;

function newUser(over = {}) {
  const tag = hex(5);
  return Object.assign({
    name: `E2E User ${tag}`,
    username: `u_${tag}`,
    email: `u_${tag}@e2e.example`,
    password: `pw-${hex(8)}-Zq9`,
    phone: usPhone(),
  }, over);
}

async function signup(api, user = newUser()) {
  const res = await api.post('/signup', user);
  expectStatus(res, 201);
  return Object.assign({}, user, { id: res.body.id });
}

async function login(api, user) {
  const res = await api.post('/login', { email: user.email, password: user.password });
  expectStatus(res, 200);
  assert.equal(typeof res.body.mfa_token, 'string');
  return res.body;
}

// The emulator's record for a phone: {to, code, status, sid, sends, checks}, or null if none.
async function emulatorRecord(emuUrl, phone) {
  const r = await fetch(`${emuUrl}/__emulator/verifications?to=${encodeURIComponent(phone)}`, { signal: AbortSignal.timeout(5000) });
  const text = await r.text();
  if (r.status === 404) return null;
  assert.equal(r.status, 200, `emulator hook: ${r.status} ${text}`);
  return JSON.parse(text);
}

async function codeFor(emuUrl, phone) {
  const rec = await emulatorRecord(emuUrl, phone);
  assert.ok(rec && typeof rec.code === 'string' && rec.code.length >= 4, `emulator has no code for ${phone}: ${JSON.stringify(rec)}`);
  return rec.code;
}

async function emulatorRequests(emuUrl) {
  const r = await fetch(`${emuUrl}/__emulator/requests`, { signal: AbortSignal.timeout(5000) });
  assert.equal(r.status, 200);
  return (await r.json()).requests;
}

async function emulatorFault(emuUrl, fault) {
  const r = await fetch(`${emuUrl}/__emulator/faults`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fault), signal: AbortSignal.timeout(5000),
  });
  const text = await r.text();
  assert.ok(r.status >= 200 && r.status < 300, `emulator fault ${JSON.stringify(fault)}: ${r.status} ${text}`);
}

// A code of the same length that is certainly not the right one.
function wrongCode(code) {
  return code.split('').map((c) => String((Number(c) + 1) % 10)).join('');
}

async function verify(api, mfaToken, code) {
  const res = await api.post('/verify', { code }, { token: mfaToken });
  expectStatus(res, 200);
  return res.body;
}

// "Only the last 4 digits visible": the masked form shows no other digit of the number.
function assertMasked(to, phone) {
  assert.equal(typeof to, 'string', `masked phone: ${to}`);
  assert.ok(to.endsWith(phone.slice(-4)), `masked phone ${to} must end with the last 4 digits of ${phone}`);
  assert.equal(to.replace(/[^0-9]/g, ''), phone.slice(-4), `masked phone ${to} shows more than the last 4 digits`);
}

// signup -> login -> verify: a user who holds an access token.
async function signedIn(api, emuUrl, over = {}) {
  const user = await signup(api, newUser(over));
  const lg = await login(api, user);
  const code = await codeFor(emuUrl, user.phone);
  const v = await verify(api, lg.mfa_token, code);
  return { user, mfa_token: lg.mfa_token, access_token: v.access_token, code };
}

module.exports = { assertMasked, hex, digits, freshIp, usPhone, ukMobile, newUser, signup, login, emulatorRecord, codeFor, emulatorRequests, emulatorFault, wrongCode, verify, signedIn };
