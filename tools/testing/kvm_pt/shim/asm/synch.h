/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <asm/synch.h>: the storage barriers that KVM's
 * HPT code issues.
 *
 * eieio() orders stores to memory: a release fence is at least that. KVM
 * also writes `asm volatile("ptesync" : : : "memory")` inline, which the
 * host assembler does not know: an assembler macro of that name turns it
 * into a full fence of the host (GCC emits top-level asm ahead of the
 * functions, and in source order with -fno-toplevel-reorder, so the macro
 * is defined before any use in the translation unit).
 */
#ifndef SHIM_ASM_SYNCH_H
#define SHIM_ASM_SYNCH_H

static inline void eieio(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

#if defined(__x86_64__) || defined(__i386__)
__asm__(".macro ptesync\n\tmfence\n.endm");
#elif defined(__aarch64__)
__asm__(".macro ptesync\n\tdmb ish\n.endm");
#elif defined(__powerpc64__)
/* the real instruction */
#else
#error "shim <asm/synch.h>: no stand-in for ptesync on this host"
#endif

#endif
