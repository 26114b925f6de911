/* mongo_factor_store.h: the factor_store port on the users collection of mongo_user_store (its
 * pool): a user's TOTP as `totp: {box, confirmed, created_at}` and its recovery codes as
 * `recovery_codes: {<keyed hash>: true, ...}`, every change one update of the user's document. */
#ifndef VG_MONGO_FACTOR_STORE_H
#define VG_MONGO_FACTOR_STORE_H

#include "adapters/mongo_user_store.h"
#include "ports/factors.h"

/* Borrows users' pool: valid while users lives. */
struct factor_store mongo_factor_store_port(struct mongo_user_store *users);

#endif
