/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <asm/barrier.h>: C11 fences, each at least as
 * strong as the barrier it stands for.
 */
#ifndef SHIM_ASM_BARRIER_H
#define SHIM_ASM_BARRIER_H

#define mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)	/* full */
#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)	/* full */
#define smp_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)	/* loads */
#define smp_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)	/* stores */

#endif
