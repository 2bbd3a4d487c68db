/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <asm/kvm_ppc.h>: nothing the harness needs yet. */
#ifndef SHIM_ASM_KVM_PPC_H
#define SHIM_ASM_KVM_PPC_H

#include <linux/kvm_host.h>

#endif
