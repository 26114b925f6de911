// app.js: the screens of the example SPA (sign up, log in, the SMS code, the dashboard) over
// api.js and session.js. Every error is a problem+json answer, shown as a sentence for people.
import { createClient } from './api.js';
import { createSession } from './session.js';

const $ = (id) => document.getElementById(id);
const config = await (await fetch('config.json', { cache: 'no-store' })).json();
const api = createClient(config.apiBase);
const session = createSession(api, {
  leadSeconds: config.refreshLeadSeconds,
  onRefreshed: (expiresAt) => { refreshes++; showSession(expiresAt); loadDashboard(); },
  onEnded: () => { show('login'); fail('Your session has ended. Please log in again.'); },
});

let login = null; // the pending login: {mfa_token, to}; in memory only
let loginTimer = null;
let countdown = null;
let refreshes = 0;

// ---- messages ----

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const wait = (s) => (s >= 90 ? `about ${plural(Math.ceil(s / 60), 'minute')}` : plural(s, 'second'));

/** A problem as a sentence a user can act on; the type decides, detail is the fallback. */
function explain(p) {
  const type = String(p.type).replace(/^.*\/problems\//, '');
  switch (type) {
    case 'invalid-credentials': return 'The email or password is not right.';
    case 'validation-error': return 'Please correct the fields marked below.';
    case 'already-exists': return `An account already uses this ${(p.errors || []).map((e) => e.field).join(' and ') || 'information'}. Log in instead?`;
    case 'wrong-code': return `That code is not right. ${plural(p.attempts_left, 'attempt')} left.`;
    case 'too-many-attempts': return 'Too many wrong codes. Please log in again to get a new code.';
    case 'verification-expired': return 'This code has expired. Please log in again.';
    case 'invalid-token': return 'Your login has expired. Please log in again.';
    case 'resend-cooldown': return 'A code was sent moments ago. You can ask for another when the countdown ends.';
    case 'resend-limit': return 'No more codes can be sent for this login. Please log in again.';
    case 'sms-rate-limited': return `Too many text messages to this number. Try again in ${wait(p.retry_after)}.`;
    case 'rate-limited': return `Too many attempts. Try again in ${wait(p.retry_after)}.`;
    case 'phone-not-deliverable': return 'Text messages cannot be sent to this phone number. Use a mobile number.';
    case 'sms-provider-unavailable': return 'The text message could not be sent just now. Please try again shortly.';
    case 'service-unavailable': case 'overloaded': case 'sms-budget-exhausted':
      return `The service is busy. Please try again in ${wait(p.retry_after || 5)}.`;
    case 'network-error': return 'The server cannot be reached. Check your connection and try again.';
    default: return p.detail || p.title || 'Something went wrong.';
  }
}

function fail(text) { $('error').textContent = text; $('error').hidden = false; $('notice').textContent = ''; }
function note(text) { $('notice').textContent = text; $('error').hidden = true; }
function clearMessages() { $('error').hidden = true; $('notice').textContent = ''; }

function show(view) {
  for (const v of ['login', 'signup', 'code', 'dashboard']) $(`view-${v}`).hidden = v !== view;
  const first = $(`view-${view}`).querySelector('input, button');
  if (first) first.focus();
}

/** Field errors of a validation-error or already-exists next to their inputs. */
function markFields(form, errors) {
  for (const input of form.querySelectorAll('input')) {
    const hit = (errors || []).find((e) => e.field === input.name);
    input.setAttribute('aria-invalid', hit ? 'true' : 'false');
    const slot = $(`${input.id}-error`);
    if (slot) slot.textContent = hit ? hit.message : '';
    if (slot) input.setAttribute('aria-describedby', slot.id);
  }
}

/** Runs one submit: the button is disabled meanwhile, a problem is shown and returned. */
async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } catch (e) {
    if (!e.problem) throw e;
    fail(explain(e.problem));
    return e;
  } finally {
    button.disabled = false;
  }
}

// ---- sign up and log in ----

$('signup-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  const user = Object.fromEntries(new FormData(form));
  const r = await busy(form.querySelector('button'), () => api.signup(user));
  markFields(form, r.problem ? r.problem.errors : []);
  if (r.problem) return;
  form.reset();
  $('login-email').value = r.email;
  show('login');
  note(`Welcome, ${r.name}. Your account is ready: log in.`);
});

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const { email, password } = Object.fromEntries(new FormData(ev.target));
  const r = await busy(ev.target.querySelector('button'), () => api.login(email, password));
  if (r.problem) return;
  ev.target.reset();
  startCode(r);
});

// ---- the code ----

/** How each channel of verigate's answer (`channel`) reaches the user. */
const BY_CHANNEL = { sms: 'by text message', call: 'in a voice call', whatsapp: 'by WhatsApp' };

function startCode(challenge) {
  login = challenge;
  $('code-sent-to').textContent = `We sent a code ${BY_CHANNEL[challenge.channel] || ''} to ${challenge.to}.`;
  $('code').value = '';
  stopCountdown();
  clearTimeout(loginTimer);
  loginTimer = setTimeout(() => endLogin('This login has expired. Please log in again.'), challenge.expires_in * 1000);
  show('code');
  note('');
}

function endLogin(text) {
  login = null;
  clearTimeout(loginTimer);
  stopCountdown();
  show('login');
  if (text) fail(text);
}

/** The resend button waits out the cooldown verigate reported (retry_after). */
function startCountdown(seconds) {
  stopCountdown();
  const until = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) return stopCountdown();
    $('resend').disabled = true;
    $('resend-wait').textContent = `You can ask for a new code in ${plural(left, 'second')}.`;
  };
  countdown = setInterval(tick, 250);
  tick();
}

function stopCountdown() {
  clearInterval(countdown);
  countdown = null;
  $('resend').disabled = false;
  $('resend-wait').textContent = '';
}

const LOGIN_OVER = ['too-many-attempts', 'verification-expired', 'invalid-token', 'resend-limit'];

$('code-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const code = $('code').value.replace(/\s+/g, '');
  if (!/^[0-9]{4,10}$/.test(code)) return fail('The code is the 4 to 10 digits of the text message.');
  const r = await busy(ev.target.querySelector('button'), () => api.verify(login.mfa_token, code));
  if (r.problem) {
    $('code').value = '';
    if (LOGIN_OVER.includes(r.type)) endLogin(explain(r.problem));
    return;
  }
  endLogin();
  clearMessages();
  refreshes = 0;
  showSession(session.start(r));
  show('dashboard');
  await loadDashboard();
});

$('resend').addEventListener('click', async () => {
  const r = await busy($('resend'), () => api.resend(login.mfa_token));
  if (r.problem) {
    if (LOGIN_OVER.includes(r.type)) return endLogin(explain(r.problem));
    if (r.problem.retry_after) startCountdown(r.problem.retry_after);
    return;
  }
  note(`A new code is on its way to ${r.to}.`);
  if (r.retry_after) startCountdown(r.retry_after);
});

// ---- the dashboard ----

function showSession(expiresAt) {
  const at = new Date(expiresAt).toLocaleTimeString();
  $('session-info').textContent = `Access token valid until ${at}; renewed ${plural(refreshes, 'time')} so far.`;
}

async function loadDashboard() {
  try {
    const d = await session.withAccess((token) => api.dashboard(token));
    $('d-name').textContent = d.user.name;
    $('d-username').textContent = d.user.username;
    $('d-email').textContent = d.user.email;
    $('d-phone').textContent = `${d.user.phone}${d.user.phone_verified ? ' (verified)' : ''}`;
    $('d-auth').textContent = `${new Date(d.auth.auth_time * 1000).toLocaleString()} with ${d.auth.amr.join(' + ')} (${d.auth.aal})`;
  } catch (e) {
    if (!e.problem) throw e;
    fail(explain(e.problem));
  }
}

$('reload').addEventListener('click', () => { clearMessages(); loadDashboard(); });

async function logout(scope) {
  try {
    await session.logout(scope);
    note(scope === 'global' ? 'You are logged out on every device.' : 'You are logged out.');
  } catch (e) {
    if (!e.problem) throw e;
    note('You are logged out on this device.');
  }
  show('login');
}
$('logout').addEventListener('click', () => logout('session'));
$('logout-all').addEventListener('click', () => logout('global'));

for (const b of document.querySelectorAll('[data-go]')) {
  b.addEventListener('click', () => { if (b.dataset.go === 'login') endLogin(); clearMessages(); show(b.dataset.go); });
}

show('login');
