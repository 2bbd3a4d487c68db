/* SPDX-License-Identifier: GPL-2.0 */
/* WARN_ON() in the harness is fatal: a kernel warning is a test failure. */
#ifndef SHIM_LINUX_BUG_H
#define SHIM_LINUX_BUG_H
#include <stdio.h>
#include <stdlib.h>
#include <linux/compiler.h>
#define WARN_ON(c) ({							\
	int __c = !!(c);						\
	if (__c) {							\
		fprintf(stderr, "WARN_ON(%s) at %s:%d\n", #c,		\
			__FILE__, __LINE__);				\
		abort();						\
	}								\
	__c;								\
})
#define WARN_ON_ONCE(c)	WARN_ON(c)
#define BUG_ON(c)	do { if (c) abort(); } while (0)
#endif
