/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_SLAB_H
#define SHIM_LINUX_SLAB_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <linux/compiler.h>
#define GFP_KERNEL		0
#define GFP_KERNEL_ACCOUNT	0
#define GFP_ATOMIC		0
typedef unsigned int gfp_t;

/*
 * Allocation failure injection, off unless a test sets it: when
 * slab_fail_countdown is n > 0, the n-th allocation from now (kmalloc
 * family, kmem caches, and shims that call slab_should_fail()) fails.
 */
static int slab_fail_countdown __maybe_unused;

static inline bool slab_should_fail(void)
{
	return slab_fail_countdown > 0 && --slab_fail_countdown == 0;
}

static inline void *kzalloc(size_t n, gfp_t gfp)
{
	(void)gfp;
	return slab_should_fail() ? NULL : calloc(1, n);
}

static inline void *kcalloc(size_t n, size_t s, gfp_t gfp)
{
	(void)gfp;
	return slab_should_fail() ? NULL : calloc(n, s);
}

static inline void *kmalloc(size_t n, gfp_t gfp)
{
	(void)gfp;
	return slab_should_fail() ? NULL : malloc(n);
}

static inline void kfree(const void *p) { free((void *)p); }

/*
 * kmem caches: objects of the cache's size, aligned as asked (the radix
 * MMU needs each table aligned to its own size). As in the kernel, an
 * object comes back in its constructor's state, or with undefined
 * contents (poisoned here) if the cache has none, and must be handed back
 * in the constructor's state; kmem_cache_destroy() of a cache with live
 * objects is a kernel bug, fatal here.
 */
typedef unsigned int slab_flags_t;

struct kmem_cache {
	const char *name;
	unsigned int size;
	unsigned int align;
	void (*ctor)(void *obj);
	void *fresh;	/* an object in its constructor's state */
	long live;
};

/* Called by kmem_cache_free() before the object goes, if a test sets it. */
static void (*slab_free_hook)(struct kmem_cache *s, void *obj) __maybe_unused;

static inline struct kmem_cache *kmem_cache_create(const char *name,
						   unsigned int size,
						   unsigned int align,
						   slab_flags_t flags,
						   void (*ctor)(void *))
{
	struct kmem_cache *s;

	(void)flags;
	if (slab_should_fail())
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->name = name;
	s->size = size;
	s->align = align < sizeof(void *) ? sizeof(void *) : align;
	s->ctor = ctor;
	if (ctor) {
		s->fresh = malloc(size);
		if (!s->fresh) {
			free(s);
			return NULL;
		}
		ctor(s->fresh);
	}
	return s;
}

static inline void *shim_kmem_cache_alloc(struct kmem_cache *s, bool zero)
{
	size_t n = (s->size + s->align - 1) / s->align * s->align;
	void *obj;

	if (slab_should_fail())
		return NULL;
	obj = aligned_alloc(s->align, n);
	if (!obj)
		return NULL;
	if (zero)
		memset(obj, 0, s->size);
	else if (s->ctor)
		memcpy(obj, s->fresh, s->size);
	else
		memset(obj, 0x6b, s->size);	/* POISON_FREE */
	s->live++;
	return obj;
}

static inline void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	return shim_kmem_cache_alloc(s, false);
}

static inline void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp)
{
	return shim_kmem_cache_alloc(s, true);
}

static inline void kmem_cache_free(struct kmem_cache *s, void *obj)
{
	if (!obj)
		return;
	if (slab_free_hook)
		slab_free_hook(s, obj);
	if (s->ctor && memcmp(s->fresh, obj, s->size)) {
		fprintf(stderr, "%s(%s): object %p not in its constructor's state\n",
			__func__, s->name, obj);
		abort();
	}
	if (s->live-- <= 0) {
		fprintf(stderr, "%s(%s): more frees than allocations\n",
			__func__, s->name);
		abort();
	}
	free(obj);
}

static inline void kmem_cache_destroy(struct kmem_cache *s)
{
	if (!s)
		return;
	if (s->live) {
		fprintf(stderr, "%s %s: Slab cache still has %ld objects\n",
			__func__, s->name, s->live);
		abort();
	}
	free(s->fresh);
	free(s);
}
#endif
