/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_ERRNO_H
#define SHIM_LINUX_ERRNO_H
#include <asm-generic/errno.h>
#include <errno.h>
#endif
