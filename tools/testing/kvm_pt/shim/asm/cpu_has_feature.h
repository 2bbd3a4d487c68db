/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <asm/cpu_has_feature.h>: see <asm/cputable.h>. */
#ifndef SHIM_ASM_CPU_HAS_FEATURE_H
#define SHIM_ASM_CPU_HAS_FEATURE_H
#include <asm/cputable.h>
#endif
