/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <asm/cputable.h> and <asm/cpu_has_feature.h>:
 * the CPU feature bits KVM code tests, and cpu_has_feature() reading a
 * mask that a test sets at run time, so that one binary runs the same code
 * as on a POWER8 host (old HPTE format) and on a POWER9 host
 * (CPU_FTR_ARCH_300: the ISA v3.0 HPTE format).
 */
#ifndef SHIM_ASM_CPUTABLE_H
#define SHIM_ASM_CPUTABLE_H

#include <linux/types.h>
#include <linux/compiler.h>

/* The bit Linux gives "ISA v3.0 (POWER9) or later" in cpu_features. */
#define CPU_FTR_ARCH_300	0x0000000000020000UL

static unsigned long shim_cpu_features __maybe_unused;

static inline bool cpu_has_feature(unsigned long feature)
{
	return !!(__atomic_load_n(&shim_cpu_features, __ATOMIC_RELAXED) &
		  feature);
}

#endif
