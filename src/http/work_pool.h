/* work_pool.h: a fixed set of threads for the handlers that wait by nature (an Argon2id hash in
 * its bounded queue, a call to Twilio), so that no libmicrohttpd worker, and none of the other
 * keep-alive connections it serves, waits with them. */
#ifndef VG_WORK_POOL_H
#define VG_WORK_POOL_H

#include <stdbool.h>
#include <stddef.h>

struct work_pool;

/* threads threads at nice value nice (0-19: the higher, the more a busy CPU goes to the HTTP
 * workers first); at most capacity jobs waiting (the connection limit is enough: a connection
 * has at most one request in flight). NULL when the threads cannot be started. */
struct work_pool *work_pool_create(unsigned threads, size_t capacity, int nice);

/* Queues fn(arg); false when the queue is full or the pool is closed (nothing queued). */
bool work_pool_submit(struct work_pool *pool, void (*fn)(void *arg), void *arg);

/* Refuses new jobs, then waits until every queued and running job has finished. */
void work_pool_close(struct work_pool *pool);

/* Closes the pool if needed, joins its threads and frees it. */
void work_pool_destroy(struct work_pool *pool);

#endif
