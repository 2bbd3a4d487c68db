/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/xarray.h>: a sorted array of (index,
 * entry) pairs with the kernel's semantics for the calls our code makes.
 * xa_insert() fails with -EBUSY if the index is taken (and may fail with
 * -ENOMEM under the slab shim's failure injection); xa_store() replaces
 * the entry and returns the old one, or an error entry (xa_err()) if a new
 * index could not be allocated, and is taken to sleep (fatal with
 * preemption disabled: the shim's gfp flags cannot tell GFP_ATOMIC, and
 * every caller here passes GFP_KERNEL*); value entries (xa_mk_value())
 * are stored like pointers; xa_erase() returns the old entry;
 * xa_for_each() finds each next entry by index, so erasing the current
 * entry inside the loop is safe, as in the kernel.
 */
#ifndef SHIM_LINUX_XARRAY_H
#define SHIM_LINUX_XARRAY_H

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <linux/bug.h>
#include <linux/slab.h>
#include <linux/preempt.h>

typedef unsigned int xa_mark_t;
#define XA_PRESENT	((xa_mark_t)8U)

struct xa_slot {
	unsigned long index;
	void *entry;
};

struct xarray {
	struct xa_slot *slots;
	unsigned int nr;
	unsigned int cap;
};

#define XARRAY_INIT(name, flags)	{ NULL, 0, 0 }
#define DEFINE_XARRAY(name)	struct xarray name = XARRAY_INIT(name, 0)

static inline void xa_init_flags(struct xarray *xa, unsigned int flags)
{
	memset(xa, 0, sizeof(*xa));
}

static inline void xa_init(struct xarray *xa)
{
	xa_init_flags(xa, 0);
}

/* First slot whose index is >= @index. */
static inline unsigned int xa_shim_lower(const struct xarray *xa,
					 unsigned long index)
{
	unsigned int lo = 0, hi = xa->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (xa->slots[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static inline void *xa_load(struct xarray *xa, unsigned long index)
{
	unsigned int i = xa_shim_lower(xa, index);

	return i < xa->nr && xa->slots[i].index == index ?
		xa->slots[i].entry : NULL;
}

static inline bool xa_empty(const struct xarray *xa)
{
	return !xa->nr;
}

static inline int xa_insert(struct xarray *xa, unsigned long index,
			    void *entry, gfp_t gfp)
{
	unsigned int i = xa_shim_lower(xa, index);

	/* NULL would reserve the index; internal entries are refused. */
	if (WARN_ON_ONCE(!entry) || ((unsigned long)entry & 3) == 2)
		return -EINVAL;
	if (i < xa->nr && xa->slots[i].index == index)
		return -EBUSY;
	if (slab_should_fail())
		return -ENOMEM;
	if (xa->nr == xa->cap) {
		unsigned int cap = xa->cap ? 2 * xa->cap : 8;
		struct xa_slot *s = realloc(xa->slots, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		xa->slots = s;
		xa->cap = cap;
	}
	memmove(&xa->slots[i + 1], &xa->slots[i],
		(xa->nr - i) * sizeof(xa->slots[0]));
	xa->slots[i].index = index;
	xa->slots[i].entry = entry;
	xa->nr++;
	return 0;
}

/* Internal entries: low bits 0b10; errors are -MAX_ERRNO..-1 in them. */
static inline void *xa_mk_internal(unsigned long v)
{
	return (void *)((v << 2) | 2);
}

static inline bool xa_is_internal(const void *entry)
{
	return ((unsigned long)entry & 3) == 2;
}

static inline bool xa_is_err(const void *entry)
{
	return xa_is_internal(entry) &&
	       entry >= xa_mk_internal(-4095UL);	/* -MAX_ERRNO */
}

static inline int xa_err(void *entry)
{
	return xa_is_err(entry) ? (long)entry >> 2 : 0;
}

/* Integers up to LONG_MAX, stored in place of a pointer: low bit 1. */
static inline void *xa_mk_value(unsigned long v)
{
	return (void *)((v << 1) | 1);
}

static inline bool xa_is_value(const void *entry)
{
	return (unsigned long)entry & 1;
}

static inline unsigned long xa_to_value(const void *entry)
{
	return (unsigned long)entry >> 1;
}

static inline void *xa_erase(struct xarray *xa, unsigned long index);

static inline void *xa_store(struct xarray *xa, unsigned long index,
			     void *entry, gfp_t gfp)
{
	unsigned int i = xa_shim_lower(xa, index);
	void *old;
	int ret;

	might_sleep();
	if (!entry)
		return xa_erase(xa, index);
	if (WARN_ON_ONCE(xa_is_internal(entry)))
		return xa_mk_internal(-EINVAL);
	if (i < xa->nr && xa->slots[i].index == index) {
		old = xa->slots[i].entry;
		xa->slots[i].entry = entry;
		return old;
	}
	ret = xa_insert(xa, index, entry, gfp);
	return ret ? xa_mk_internal(ret) : NULL;
}

static inline void *xa_erase(struct xarray *xa, unsigned long index)
{
	unsigned int i = xa_shim_lower(xa, index);
	void *old;

	if (i == xa->nr || xa->slots[i].index != index)
		return NULL;
	old = xa->slots[i].entry;
	memmove(&xa->slots[i], &xa->slots[i + 1],
		(xa->nr - i - 1) * sizeof(xa->slots[0]));
	xa->nr--;
	return old;
}

/* The first entry at an index in [*@indexp, @max]; sets *@indexp to it. */
static inline void *xa_find(struct xarray *xa, unsigned long *indexp,
			    unsigned long max, xa_mark_t filter)
{
	unsigned int i = xa_shim_lower(xa, *indexp);

	if (i == xa->nr || xa->slots[i].index > max)
		return NULL;
	*indexp = xa->slots[i].index;
	return xa->slots[i].entry;
}

/* The first entry at an index in (*@indexp, @max]. */
static inline void *xa_find_after(struct xarray *xa, unsigned long *indexp,
				  unsigned long max, xa_mark_t filter)
{
	unsigned long next = *indexp + 1;

	if (*indexp == ULONG_MAX || next > max)
		return NULL;
	*indexp = next;
	return xa_find(xa, indexp, max, filter);
}

#define xa_for_each_range(xa, index, entry, start, last)		\
	for (index = start,						\
	     entry = xa_find(xa, &index, last, XA_PRESENT);		\
	     entry;							\
	     entry = xa_find_after(xa, &index, last, XA_PRESENT))

#define xa_for_each_start(xa, index, entry, start) \
	xa_for_each_range(xa, index, entry, start, ULONG_MAX)

#define xa_for_each(xa, index, entry) \
	xa_for_each_start(xa, index, entry, 0)

/* Frees the xarray's own memory; the entries are the caller's. */
static inline void xa_destroy(struct xarray *xa)
{
	free(xa->slots);
	memset(xa, 0, sizeof(*xa));
}

#endif
