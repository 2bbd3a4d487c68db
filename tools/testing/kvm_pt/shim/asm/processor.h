/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <asm/processor.h>: cpu_relax() in a busy-wait.
 * It yields, so a spinning thread lets the holder of what it waits for
 * run on the same CPU.
 */
#ifndef SHIM_ASM_PROCESSOR_H
#define SHIM_ASM_PROCESSOR_H

#include <sched.h>

static inline void cpu_relax(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);	/* barrier() */
	sched_yield();
}

#endif
