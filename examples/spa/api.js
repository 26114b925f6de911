// api.js: a tiny typed client for verigate (JSDoc types, no build step). Each operation is
// declared once in OPERATIONS, with the request fields it sends and the response fields it
// reads; the client sends and returns nothing else, so tests/e2e/spa_client.test.js checking
// OPERATIONS against api/openapi.yaml checks what the app can ever send or read.

/**
 * @typedef {{field: string, message: string}} FieldError
 * @typedef {{type: string, title: string, status: number, detail: string,
 *   errors?: FieldError[], attempts_left?: number, retry_after?: number}} Problem
 * @typedef {{id: string, name: string, username: string, email: string, phone: string}} User
 * @typedef {{mfa_token: string, expires_in: number, channel: string, to: string}} MfaChallenge
 * @typedef {{channel: string, to: string, retry_after: number}} CodeResent
 * @typedef {{access_token: string, expires_in: number, refresh_token: string}} Tokens
 * @typedef {{user: {name: string, username: string, email: string, phone: string,
 *   phone_verified: boolean, created_at: string}, auth: {aal: string, amr: string[],
 *   auth_time: number}}} Dashboard
 */

/** The operations the app calls: path, method, request members, response members read. */
export const OPERATIONS = {
  signup: { method: 'POST', path: '/signup', status: 201, sends: ['name', 'username', 'email', 'password', 'phone'], reads: ['id', 'name', 'username', 'email', 'phone'] },
  login: { method: 'POST', path: '/login', status: 200, sends: ['email', 'password'], reads: ['mfa_token', 'expires_in', 'channel', 'to'] },
  resend: { method: 'POST', path: '/resend', status: 202, bearer: true, sends: [], reads: ['channel', 'to', 'retry_after'] },
  verify: { method: 'POST', path: '/verify', status: 200, bearer: true, sends: ['code'], reads: ['access_token', 'expires_in', 'refresh_token'] },
  refresh: { method: 'POST', path: '/token/refresh', status: 200, sends: ['refresh_token'], reads: ['access_token', 'expires_in', 'refresh_token'] },
  logout: { method: 'POST', path: '/logout', status: 204, bearer: true, sends: ['scope'], reads: [] },
  dashboard: { method: 'GET', path: '/dashboard', status: 200, bearer: true, sends: [], reads: ['user.name', 'user.username', 'user.email', 'user.phone', 'user.phone_verified', 'user.created_at', 'auth.aal', 'auth.amr', 'auth.auth_time'] },
};

/** The members of a problem+json body the app reads. */
export const PROBLEM_READS = ['type', 'title', 'status', 'detail', 'errors', 'attempts_left', 'retry_after'];

/** An answer that is not the operation's success: a problem+json body, or a network failure
 * (status 0, type "network-error"). */
export class ApiError extends Error {
  /** @param {Problem} problem */
  constructor(problem) {
    super(problem.detail || problem.title);
    this.problem = problem;
  }
  /** The problem type without its "/problems/" prefix, e.g. "wrong-code". */
  get type() { return String(this.problem.type).replace(/^.*\/problems\//, ''); }
}

function pick(source, paths) {
  const out = {};
  for (const path of paths) {
    const keys = path.split('.');
    let from = source, to = out;
    for (const [i, k] of keys.entries()) {
      if (from == null || !(k in from)) break;
      if (i === keys.length - 1) to[k] = from[k];
      else { to[k] = to[k] || {}; from = from[k]; to = to[k]; }
    }
  }
  return out;
}

/** @param {string} base verigate's URL, e.g. "http://127.0.0.1:8080" */
export function createClient(base) {
  async function call(name, body, token) {
    const op = OPERATIONS[name];
    const headers = { Accept: 'application/json, application/problem+json' };
    if (op.bearer) headers.Authorization = `Bearer ${token}`;
    const init = { method: op.method, headers, cache: 'no-store' };
    if (op.method === 'POST') {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(pick(body || {}, op.sends));
    }
    let res;
    try {
      res = await fetch(base + op.path, init);
    } catch (e) {
      throw new ApiError({ type: '/problems/network-error', title: 'Network error', status: 0, detail: String(e.message || e) });
    }
    const data = res.status === 204 ? {} : await res.json().catch(() => ({}));
    if (res.status !== op.status) {
      const fallback = { type: `/problems/http-${res.status}`, title: res.statusText, status: res.status, detail: res.statusText };
      throw new ApiError(/** @type {Problem} */ (Object.assign(fallback, pick(data, PROBLEM_READS))));
    }
    return pick(data, op.reads);
  }
  return {
    /** @returns {Promise<User>} */ signup: (user) => call('signup', user),
    /** @returns {Promise<MfaChallenge>} */ login: (email, password) => call('login', { email, password }),
    /** @returns {Promise<CodeResent>} */ resend: (mfaToken) => call('resend', {}, mfaToken),
    /** @returns {Promise<Tokens>} */ verify: (mfaToken, code) => call('verify', { code }, mfaToken),
    /** @returns {Promise<Tokens>} */ refresh: (refreshToken) => call('refresh', { refresh_token: refreshToken }),
    /** @returns {Promise<{}>} */ logout: (accessToken, scope = 'session') => call('logout', { scope }, accessToken),
    /** @returns {Promise<Dashboard>} */ dashboard: (accessToken) => call('dashboard', undefined, accessToken),
  };
}
