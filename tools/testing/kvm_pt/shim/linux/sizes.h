/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHIM_LINUX_SIZES_H
#define SHIM_LINUX_SIZES_H
#define SZ_128		0x00000080
#define SZ_4K		0x00001000
#define SZ_64K		0x00010000
#define SZ_2M		0x00200000
#define SZ_1G		0x40000000
#endif
