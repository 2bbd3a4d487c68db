/* SPDX-License-Identifier: GPL-2.0 */
/* What compat/<series>/asm/kvm_ptw_compat.h gives the code under test. */
#ifndef SHIM_ASM_KVM_PTW_COMPAT_H
#define SHIM_ASM_KVM_PTW_COMPAT_H
#include <linux/types.h>

struct kvm;

void kvmppc_radix_flush_pwc(struct kvm *kvm, unsigned int lpid);

#endif
