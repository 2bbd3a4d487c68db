/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_SLAB_H
#define SHIM_LINUX_SLAB_H
#include <stdlib.h>
#include <linux/types.h>
#define GFP_KERNEL		0
#define GFP_KERNEL_ACCOUNT	0
#define GFP_ATOMIC		0
typedef unsigned int gfp_t;
static inline void *kzalloc(size_t n, gfp_t gfp) { (void)gfp; return calloc(1, n); }
static inline void *kcalloc(size_t n, size_t s, gfp_t gfp) { (void)gfp; return calloc(n, s); }
static inline void *kmalloc(size_t n, gfp_t gfp) { (void)gfp; return malloc(n); }
static inline void kfree(const void *p) { free((void *)p); }
#endif
