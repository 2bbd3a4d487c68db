/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvm_ptw

#if !defined(_TRACE_KVM_PTW_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_KVM_PTW_H

#include <linux/tracepoint.h>

/* A window was added, moved, removed, or lost its host mapping. */
TRACE_EVENT(kvm_ptw_window,
	    TP_PROTO(unsigned int lpid, u32 id, const char *op,
		     u64 guest_addr, u64 host_addr, u64 size),
	    TP_ARGS(lpid, id, op, guest_addr, host_addr, size),

	    TP_STRUCT__entry(__field(unsigned int, lpid)
			     __field(u32, id)
			     __array(char, op, 12)
			     __field(u64, guest_addr)
			     __field(u64, host_addr)
			     __field(u64, size)),

	    TP_fast_assign(__entry->lpid = lpid;
			   __entry->id = id;
			   strscpy(__entry->op, op, sizeof(__entry->op));
			   __entry->guest_addr = guest_addr;
			   __entry->host_addr = host_addr;
			   __entry->size = size;),

	    TP_printk("lpid %u window %u %s guest 0x%llx host 0x%llx size 0x%llx",
		      __entry->lpid, __entry->id, __entry->op,
		      __entry->guest_addr, __entry->host_addr, __entry->size)
);

/* A guest fault in a window: its page class and the 4K pages mapped. */
TRACE_EVENT(kvm_ptw_fault,
	    TP_PROTO(unsigned int lpid, u64 gpa, int class, u64 hpa,
		     unsigned int npages, int ret),
	    TP_ARGS(lpid, gpa, class, hpa, npages, ret),

	    TP_STRUCT__entry(__field(unsigned int, lpid)
			     __field(u64, gpa)
			     __field(int, class)
			     __field(u64, hpa)
			     __field(unsigned int, npages)
			     __field(int, ret)),

	    TP_fast_assign(__entry->lpid = lpid;
			   __entry->gpa = gpa;
			   __entry->class = class;
			   __entry->hpa = hpa;
			   __entry->npages = npages;
			   __entry->ret = ret;),

	    TP_printk("lpid %u gpa 0x%llx class %d hpa 0x%llx 4k-pages %u ret %d",
		      __entry->lpid, __entry->gpa, __entry->class,
		      __entry->hpa, __entry->npages, __entry->ret)
);

/*
 * A nested guest's access through an L1 leaf onto one of the L1's windows
 * (we are the L0): the page class there and the host 4K page the shadow
 * leaf maps (0: none, the access is emulated MMIO).
 */
TRACE_EVENT(kvm_ptw_nested_fault,
	    TP_PROTO(unsigned int lpid, unsigned int nested_lpid, u64 n_gpa,
		     u64 gpa, int class, u64 hpa),
	    TP_ARGS(lpid, nested_lpid, n_gpa, gpa, class, hpa),

	    TP_STRUCT__entry(__field(unsigned int, lpid)
			     __field(unsigned int, nested_lpid)
			     __field(u64, n_gpa)
			     __field(u64, gpa)
			     __field(int, class)
			     __field(u64, hpa)),

	    TP_fast_assign(__entry->lpid = lpid;
			   __entry->nested_lpid = nested_lpid;
			   __entry->n_gpa = n_gpa;
			   __entry->gpa = gpa;
			   __entry->class = class;
			   __entry->hpa = hpa;),

	    TP_printk("lpid %u nested lpid %u n_gpa 0x%llx gpa 0x%llx class %d hpa 0x%llx",
		      __entry->lpid, __entry->nested_lpid, __entry->n_gpa,
		      __entry->gpa, __entry->class, __entry->hpa)
);

/* One 4K mapping removed. */
TRACE_EVENT(kvm_ptw_unmap,
	    TP_PROTO(unsigned int lpid, u64 gpa),
	    TP_ARGS(lpid, gpa),

	    TP_STRUCT__entry(__field(unsigned int, lpid)
			     __field(u64, gpa)),

	    TP_fast_assign(__entry->lpid = lpid;
			   __entry->gpa = gpa;),

	    TP_printk("lpid %u gpa 0x%llx", __entry->lpid, __entry->gpa)
);

/* An MSI-X vector became active or inactive; routed or not. */
TRACE_EVENT(kvm_ptw_msix_route,
	    TP_PROTO(unsigned int lpid, u32 id, u16 vector, u64 msg_addr,
		     u32 msg_data, bool active, bool routed),
	    TP_ARGS(lpid, id, vector, msg_addr, msg_data, active, routed),

	    TP_STRUCT__entry(__field(unsigned int, lpid)
			     __field(u32, id)
			     __field(u16, vector)
			     __field(u64, msg_addr)
			     __field(u32, msg_data)
			     __field(bool, active)
			     __field(bool, routed)),

	    TP_fast_assign(__entry->lpid = lpid;
			   __entry->id = id;
			   __entry->vector = vector;
			   __entry->msg_addr = msg_addr;
			   __entry->msg_data = msg_data;
			   __entry->active = active;
			   __entry->routed = routed;),

	    TP_printk("lpid %u window %u vector %u msg_addr 0x%llx msg_data 0x%x %s %s",
		      __entry->lpid, __entry->id, __entry->vector,
		      __entry->msg_addr, __entry->msg_data,
		      __entry->active ? "active" : "inactive",
		      __entry->routed ? "routed" : "unrouted")
);

#endif /* _TRACE_KVM_PTW_H */

#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE trace_ptw

/* This part must be outside protection */
#include <trace/define_trace.h>
