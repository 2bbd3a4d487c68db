/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/mutex.h>: a pthread mutex that knows its
 * owner, so that lockdep_assert_held() on a mutex is a real check (fatal
 * if the caller does not hold it), and so on a spinlock_t.
 */
#ifndef SHIM_LINUX_MUTEX_H
#define SHIM_LINUX_MUTEX_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/types.h>
#include <linux/spinlock.h>

struct mutex {
	pthread_mutex_t m;
	pthread_t owner;
	bool locked;
};

#define DEFINE_MUTEX(name) \
	struct mutex name = { .m = PTHREAD_MUTEX_INITIALIZER }

static inline void mutex_init(struct mutex *l)
{
	pthread_mutex_init(&l->m, NULL);
	l->locked = false;
}

static inline void mutex_destroy(struct mutex *l)
{
	pthread_mutex_destroy(&l->m);
}

static inline void mutex_lock(struct mutex *l)
{
	pthread_mutex_lock(&l->m);
	l->owner = pthread_self();
	l->locked = true;
}

static inline int mutex_trylock(struct mutex *l)
{
	if (pthread_mutex_trylock(&l->m))
		return 0;
	l->owner = pthread_self();
	l->locked = true;
	return 1;
}

static inline void mutex_unlock(struct mutex *l)
{
	if (!l->locked || !pthread_equal(l->owner, pthread_self())) {
		fprintf(stderr, "%s(%p) by a thread that does not hold it\n",
			__func__, (void *)l);
		abort();
	}
	l->locked = false;
	pthread_mutex_unlock(&l->m);
}

static inline bool mutex_is_locked(struct mutex *l)
{
	return l->locked;
}

static inline void shim_lockdep_assert_mutex(const void *lock)
{
	const struct mutex *l = lock;

	if (!l->locked || !pthread_equal(l->owner, pthread_self())) {
		fprintf(stderr, "lockdep_assert_held(%p): mutex not held\n",
			lock);
		abort();
	}
}

static inline void shim_lockdep_assert_spin(const void *lock)
{
	const spinlock_t *l = lock;

	if (!l->locked || !pthread_equal(l->owner, pthread_self())) {
		fprintf(stderr, "lockdep_assert_held(%p): spinlock not held\n",
			lock);
		abort();
	}
}

static inline void shim_lockdep_assert_other(const void *lock)
{
}

#undef lockdep_assert_held
#define lockdep_assert_held(l)						\
	_Generic((l), struct mutex * : shim_lockdep_assert_mutex,	\
		 spinlock_t * : shim_lockdep_assert_spin,		\
		 default : shim_lockdep_assert_other)(l)

#endif
