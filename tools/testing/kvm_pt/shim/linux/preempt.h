/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/preempt.h>: a per-thread preemption count,
 * so tests can check that a call leaves it as it found it, and that nothing
 * that may sleep runs with preemption disabled (see might_sleep()). An
 * unbalanced preempt_enable() is fatal.
 */
#ifndef SHIM_LINUX_PREEMPT_H
#define SHIM_LINUX_PREEMPT_H

#include <stdio.h>
#include <stdlib.h>
#include <linux/compiler.h>

static __thread int shim_preempt_count __maybe_unused;

static inline int preempt_count(void)
{
	return shim_preempt_count;
}

static inline void preempt_disable(void)
{
	shim_preempt_count++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);	/* barrier() */
}

static inline void preempt_enable(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (--shim_preempt_count < 0) {
		fprintf(stderr, "preempt_enable() without preempt_disable()\n");
		abort();
	}
}

/* Fatal in atomic context, where the kernel's would splat. */
static inline void shim_might_sleep(const char *file, int line)
{
	if (shim_preempt_count) {
		fprintf(stderr, "%s:%d: may sleep with preemption disabled\n",
			file, line);
		abort();
	}
}

#define might_sleep()	shim_might_sleep(__FILE__, __LINE__)

#endif
