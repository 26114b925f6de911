'use strict';
// The shared stack's coordinates, as scripts/test exports them. Anything missing fails loudly:
// an e2e test that silently runs against nothing would prove nothing.
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..', '..');

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`e2e: environment variable ${name} is not set (scripts/test sets it)`);
  return v;
}

const env = {
  ROOT,
  get VG_URL() { return need('VG_URL').replace(/\/+$/, ''); },
  // verigate itself when VG_URL is the contract-checking proxy in front of it (scripts/test): for
  // the tests that need its own socket (raw bytes, connection handling, bodies a proxy re-encodes).
  get VG_DIRECT_URL() { return (process.env.VG_DIRECT_URL || need('VG_URL')).replace(/\/+$/, ''); },
  get EMULATOR_URL() { return need('EMULATOR_URL').replace(/\/+$/, ''); },
  get REDIS_URL() { return need('REDIS_URL'); },
  get MONGODB_URI() { return need('MONGODB_URI'); },
  get VERIGATE_BIN() { return process.env.VERIGATE_BIN || path.join(ROOT, 'build', 'verigate'); },
  get EMULATOR_BIN() { return process.env.EMULATOR_BIN || path.join(ROOT, 'build', 'verify-emulator'); },
  get REDIS_SERVER_BIN() { return process.env.REDIS_SERVER_BIN || 'redis-server'; },
  get REDIS_CLI_BIN() { return process.env.REDIS_CLI_BIN || 'redis-cli'; },
  get TWILIO_ACCOUNT_SID() { return need('TWILIO_ACCOUNT_SID'); },
  get TWILIO_AUTH_TOKEN() { return need('TWILIO_AUTH_TOKEN'); },
  get TWILIO_VERIFY_SERVICE_SID() { return need('TWILIO_VERIFY_SERVICE_SID'); },
  get JWT_PRIVATE_KEY_FILE() { return need('JWT_PRIVATE_KEY_FILE'); },
  get JWT_ISSUER() { return process.env.JWT_ISSUER || 'verigate'; },
  get JWT_AUDIENCE() { return process.env.JWT_AUDIENCE || 'verigate'; },
  get VG_TOOLS() { return process.env.VG_TOOLS || path.join(ROOT, '.tools'); },
  get OPENAPI_FILE() { return process.env.OPENAPI_FILE || path.join(ROOT, 'api', 'openapi.yaml'); },
};

// npm packages installed by the scripts into .tools/ (never into the repository).
function tool(name) {
  return require(path.join(env.VG_TOOLS, 'node_modules', name));
}

module.exports = { env, tool };
