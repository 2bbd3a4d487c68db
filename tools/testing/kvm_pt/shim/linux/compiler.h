/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_COMPILER_H
#define SHIM_LINUX_COMPILER_H
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define __always_unused	__attribute__((unused))
#define __maybe_unused	__attribute__((unused))
#define noinline	__attribute__((__noinline__))
#define fallthrough	__attribute__((fallthrough))
#define BUILD_BUG_ON(c)	_Static_assert(!(c), #c)
#endif
