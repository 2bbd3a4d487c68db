/* SPDX-License-Identifier: GPL-2.0-only */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvm_msix

#if !defined(_TRACE_KVM_MSIX_EMUL_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_KVM_MSIX_EMUL_H

#include <linux/tracepoint.h>

/* A valid DWORD/QWORD guest write to an MSI-X table entry. */
TRACE_EVENT(kvm_msix_table_write,
	    TP_PROTO(u64 bar_offset, u16 vector, int len, u64 val),
	    TP_ARGS(bar_offset, vector, len, val),

	    TP_STRUCT__entry(__field(u64, bar_offset)
			     __field(u16, vector)
			     __field(int, len)
			     __field(u64, val)),

	    TP_fast_assign(__entry->bar_offset = bar_offset;
			   __entry->vector = vector;
			   __entry->len = len;
			   __entry->val = val;),

	    TP_printk("bar offset 0x%llx vector %u len %d val 0x%llx",
		      __entry->bar_offset, __entry->vector, __entry->len,
		      __entry->val)
);

/* A vector's routing changed; the message is the latched one. */
TRACE_EVENT(kvm_msix_update,
	    TP_PROTO(u16 vector, bool active, u64 msg_addr, u32 msg_data),
	    TP_ARGS(vector, active, msg_addr, msg_data),

	    TP_STRUCT__entry(__field(u16, vector)
			     __field(bool, active)
			     __field(u64, msg_addr)
			     __field(u32, msg_data)),

	    TP_fast_assign(__entry->vector = vector;
			   __entry->active = active;
			   __entry->msg_addr = msg_addr;
			   __entry->msg_data = msg_data;),

	    TP_printk("vector %u %s msg_addr 0x%llx msg_data 0x%x",
		      __entry->vector,
		      __entry->active ? "active" : "inactive",
		      __entry->msg_addr, __entry->msg_data)
);

/* One interrupt handed to the arch layer. */
TRACE_EVENT(kvm_msix_deliver,
	    TP_PROTO(u16 vector, u64 msg_addr, u32 msg_data, bool accepted),
	    TP_ARGS(vector, msg_addr, msg_data, accepted),

	    TP_STRUCT__entry(__field(u16, vector)
			     __field(u64, msg_addr)
			     __field(u32, msg_data)
			     __field(bool, accepted)),

	    TP_fast_assign(__entry->vector = vector;
			   __entry->msg_addr = msg_addr;
			   __entry->msg_data = msg_data;
			   __entry->accepted = accepted;),

	    TP_printk("vector %u msg_addr 0x%llx msg_data 0x%x %s",
		      __entry->vector, __entry->msg_addr, __entry->msg_data,
		      __entry->accepted ? "delivered" : "rejected")
);

/* A signal found its vector masked and set the pending bit. */
TRACE_EVENT(kvm_msix_pending,
	    TP_PROTO(u16 vector),
	    TP_ARGS(vector),

	    TP_STRUCT__entry(__field(u16, vector)),

	    TP_fast_assign(__entry->vector = vector;),

	    TP_printk("vector %u", __entry->vector)
);

/* A guest access that broke the MSI-X size/alignment rules, or a PBA write. */
TRACE_EVENT(kvm_msix_invalid,
	    TP_PROTO(u64 bar_offset, int len, bool write),
	    TP_ARGS(bar_offset, len, write),

	    TP_STRUCT__entry(__field(u64, bar_offset)
			     __field(int, len)
			     __field(bool, write)),

	    TP_fast_assign(__entry->bar_offset = bar_offset;
			   __entry->len = len;
			   __entry->write = write;),

	    TP_printk("%s bar offset 0x%llx len %d",
		      __entry->write ? "write" : "read",
		      __entry->bar_offset, __entry->len)
);

/* The VMM wrote a whole table entry (RTAS ibm,change-msi, reset, ...). */
TRACE_EVENT(kvm_msix_vmm_write,
	    TP_PROTO(u16 vector, u32 msg_addr_lo, u32 msg_addr_hi,
		     u32 msg_data, u32 vector_ctl),
	    TP_ARGS(vector, msg_addr_lo, msg_addr_hi, msg_data, vector_ctl),

	    TP_STRUCT__entry(__field(u16, vector)
			     __field(u32, msg_addr_lo)
			     __field(u32, msg_addr_hi)
			     __field(u32, msg_data)
			     __field(u32, vector_ctl)),

	    TP_fast_assign(__entry->vector = vector;
			   __entry->msg_addr_lo = msg_addr_lo;
			   __entry->msg_addr_hi = msg_addr_hi;
			   __entry->msg_data = msg_data;
			   __entry->vector_ctl = vector_ctl;),

	    TP_printk("vector %u msg_addr 0x%x%08x msg_data 0x%x vector_ctl 0x%x",
		      __entry->vector, __entry->msg_addr_hi,
		      __entry->msg_addr_lo, __entry->msg_data,
		      __entry->vector_ctl)
);

/* The VMM restored a saved MSI-X state. */
TRACE_EVENT(kvm_msix_restore,
	    TP_PROTO(u16 nvec, u16 ctrl),
	    TP_ARGS(nvec, ctrl),

	    TP_STRUCT__entry(__field(u16, nvec)
			     __field(u16, ctrl)),

	    TP_fast_assign(__entry->nvec = nvec;
			   __entry->ctrl = ctrl;),

	    TP_printk("nvec %u message control 0x%x", __entry->nvec,
		      __entry->ctrl)
);

#endif /* _TRACE_KVM_MSIX_EMUL_H */

/* This part must be outside protection */
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kvm_msix_emul
#include <trace/define_trace.h>
