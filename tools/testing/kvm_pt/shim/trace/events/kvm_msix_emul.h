/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for include/trace/events/kvm_msix_emul.h: the same
 * trace_*() calls as no-ops with the real prototypes, so argument types are
 * still checked when the harness compiles virt/kvm/msix_emul.c.
 */
#ifndef SHIM_TRACE_EVENTS_KVM_MSIX_EMUL_H
#define SHIM_TRACE_EVENTS_KVM_MSIX_EMUL_H

#include <linux/types.h>

static inline void trace_kvm_msix_table_write(u64 bar_offset, u16 vector,
					      int len, u64 val)
{
}

static inline void trace_kvm_msix_update(u16 vector, bool active,
					 u64 msg_addr, u32 msg_data)
{
}

static inline void trace_kvm_msix_deliver(u16 vector, u64 msg_addr,
					  u32 msg_data, bool accepted)
{
}

static inline void trace_kvm_msix_pending(u16 vector)
{
}

static inline void trace_kvm_msix_invalid(u64 bar_offset, int len, bool write)
{
}

static inline void trace_kvm_msix_vmm_write(u16 vector, u32 msg_addr_lo,
					    u32 msg_addr_hi, u32 msg_data,
					    u32 vector_ctl)
{
}

static inline void trace_kvm_msix_restore(u16 nvec, u16 ctrl)
{
}

#endif /* SHIM_TRACE_EVENTS_KVM_MSIX_EMUL_H */
