// Creates verigate's MongoDB role and user. The mongo image runs this once, with the root user,
// when its data volume is empty (/docker-entrypoint-initdb.d); on a cluster you run, paste the
// same calls into mongosh as a user administrator (docs/PRODUCTION.md, "MongoDB").
//
// verigate needs, on the one collection verigate.users: find (logins, /dashboard, /token/refresh
// and the username_key pass at start), insert (signup), update (phone_verified at a first
// verify, username_key at start), createIndex (the unique indexes it ensures at every start) and
// createCollection (that first createIndexes creates the collection on an empty database).
// `ping` (/readyz) needs no privilege. No remove, drop or any other database.
const fs = require('fs');
const password = fs.readFileSync('/run/secrets/mongo_verigate_password', 'utf8').trim();
const vg = db.getSiblingDB('verigate');
vg.createRole({
  role: 'verigateApp',
  privileges: [
    {
      resource: { db: 'verigate', collection: 'users' },
      actions: ['find', 'insert', 'update', 'createIndex', 'createCollection'],
    },
  ],
  roles: [],
});
vg.createUser({
  user: 'verigate',
  pwd: password,
  roles: [{ role: 'verigateApp', db: 'verigate' }],
});
