/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/tracepoint.h>: TRACE_EVENT(name, ...)
 * becomes a static inline trace_<name>() with the event's own prototype,
 * so callers are still type-checked. It does nothing but tell
 * shim_trace_hook, if a test sets it, which event fired.
 */
#ifndef SHIM_LINUX_TRACEPOINT_H
#define SHIM_LINUX_TRACEPOINT_H

#include <linux/types.h>
#include <linux/compiler.h>

static void (*shim_trace_hook)(const char *event) __maybe_unused;

#define TP_PROTO(args...)	args
#define TP_ARGS(args...)	args
#define PARAMS(args...)		args

#define TRACE_EVENT(name, proto, args, tstruct, assign, print)		\
	static inline void trace_##name(proto)				\
	{								\
		if (shim_trace_hook)					\
			shim_trace_hook(#name);				\
	}

#define DECLARE_EVENT_CLASS(name, proto, args, tstruct, assign, print)
#define DEFINE_EVENT(template, name, proto, args)			\
	static inline void trace_##name(proto)				\
	{								\
		if (shim_trace_hook)					\
			shim_trace_hook(#name);				\
	}

#endif
