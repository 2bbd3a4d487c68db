/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <trace/define_trace.h>: the shim TRACE_EVENT()
 * of <linux/tracepoint.h> already defined everything, so with or without
 * CREATE_TRACE_POINTS there is nothing left to generate.
 */
#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
