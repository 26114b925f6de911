// session.js: the signed-in user's tokens, in memory only (README, "Refreshing from an SPA"),
// and their refresh: shortly before the access token expires, or once on a 401 from a resource;
// one refresh at a time (every caller awaits the same one); after a lost answer or a 503 the same
// refresh token again, within verigate's reuse grace; a 401 on /token/refresh ends the session.
// Tabs do not share a session here (each tab holds its own tokens in memory), so no Web Lock is
// needed; an app that shares tokens between tabs would take one around refresh().

const RETRY_DELAYS_MS = [1000, 3000]; // both well inside REFRESH_REUSE_GRACE_SECONDS (10 s)

/**
 * @param {ReturnType<import('./api.js').createClient>} api
 * @param {{leadSeconds: number, onRefreshed: (expiresAt: number) => void, onEnded: (why: string) => void}} hooks
 */
export function createSession(api, { leadSeconds, onRefreshed, onEnded }) {
  let access = null;
  let refreshToken = null;
  let timer = null;
  let inFlight = null;

  /** @param {import('./api.js').Tokens} tokens */
  function keep(tokens) {
    access = tokens.access_token;
    refreshToken = tokens.refresh_token; // always the newest; the spent one is dropped
    const expiresAt = Date.now() + tokens.expires_in * 1000;
    const lead = Math.min(leadSeconds, tokens.expires_in / 2);
    clearTimeout(timer);
    timer = setTimeout(() => refresh().catch(() => {}), (tokens.expires_in - lead) * 1000);
    return expiresAt;
  }

  function clear() {
    clearTimeout(timer);
    access = refreshToken = timer = null;
  }

  async function refreshOnce() {
    const token = refreshToken;
    for (let attempt = 0; ; attempt++) {
      try {
        const tokens = await api.refresh(token);
        onRefreshed(keep(tokens));
        return access;
      } catch (e) {
        if (e.problem.status === 401) {
          clear();
          onEnded('expired');
          throw e;
        }
        if (attempt >= RETRY_DELAYS_MS.length || token !== refreshToken) throw e;
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  /** The one refresh in flight, started if none is. Resolves to the new access token. */
  function refresh() {
    if (!inFlight) inFlight = refreshOnce().finally(() => { inFlight = null; });
    return inFlight;
  }

  return {
    /** Starts the session with /verify's tokens; returns when the access token expires (ms). */
    start: (tokens) => keep(tokens),
    get signedIn() { return access !== null; },
    refresh,
    /** fn(accessToken) once, and after a 401 invalid-token once more with a refreshed token. */
    async withAccess(fn) {
      if (inFlight) await inFlight;
      try {
        return await fn(access);
      } catch (e) {
        if (e.problem.status !== 401 || !refreshToken) throw e;
        return fn(await refresh());
      }
    },
    async logout(scope) {
      const token = access;
      clear();
      await api.logout(token, scope);
    },
    clear,
  };
}
