// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI devices of the emulated host through sysfs. See ppc_pci_util.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "ppc_pci_util.h"

#define PCI_SYSFS	"/sys/bus/pci/devices"
#define IORESOURCE_MEM	0x00000200

int ppc_sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ppc_set_err(errno, "open %s", path);
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int err = errno;

		close(fd);
		return ppc_set_err(err, "read %s", path);
	}
	close(fd);
	buf[n] = '\0';
	return 0;
}

int ppc_sysfs_write(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return ppc_set_err(errno, "open %s", path);
	n = write(fd, val, strlen(val));
	if (n < 0) {
		int err = errno;

		close(fd);
		return ppc_set_err(err, "write %s", path);
	}
	close(fd);
	return 0;
}

static int read_hex(const char *bdf, const char *attr, unsigned long *val)
{
	char path[256], buf[64];
	int r;

	snprintf(path, sizeof(path), PCI_SYSFS "/%s/%s", bdf, attr);
	r = ppc_sysfs_read(path, buf, sizeof(buf));
	if (r)
		return r;
	*val = strtoul(buf, NULL, 0);
	return 0;
}

/* First device (in sysfs order) with this vendor:device; its name in bdf */
int ppc_pci_find(u16 vendor, u16 device, char *bdf, size_t len)
{
	struct dirent *de;
	int found = 0;
	DIR *dir;

	dir = opendir(PCI_SYSFS);
	if (!dir)
		return ppc_set_err(errno, "opendir " PCI_SYSFS);
	while (!found && (de = readdir(dir))) {
		unsigned long v, d;

		if (de->d_name[0] == '.')
			continue;
		if (read_hex(de->d_name, "vendor", &v) ||
		    read_hex(de->d_name, "device", &d))
			continue;
		if (v == vendor && d == device) {
			snprintf(bdf, len, "%s", de->d_name);
			found = 1;
		}
	}
	closedir(dir);
	if (!found)
		return ppc_set_err(ENODEV, "no PCI device %04x:%04x",
				   vendor, device);
	return 0;
}

int ppc_pci_enable(const char *bdf)
{
	char path[256];

	snprintf(path, sizeof(path), PCI_SYSFS "/%s/enable", bdf);
	return ppc_sysfs_write(path, "1");
}

int ppc_pci_map_bar(const char *bdf, int bar, struct ppc_pci_bar *b)
{
	unsigned long long start, end, flags;
	long page = sysconf(_SC_PAGESIZE);
	char path[256], buf[1024], *line;
	int i, r;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	snprintf(b->bdf, sizeof(b->bdf), "%s", bdf);
	b->bar = bar;

	snprintf(path, sizeof(path), PCI_SYSFS "/%s/resource", bdf);
	r = ppc_sysfs_read(path, buf, sizeof(buf));
	if (r)
		return r;
	line = buf;
	for (i = 0; i < bar && line; i++) {
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (!line || sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3)
		return ppc_set_err(EINVAL, "%s: no BAR %d in %s", bdf, bar, path);
	if (!(flags & IORESOURCE_MEM) || !start || end < start)
		return ppc_set_err(EINVAL, "%s: BAR %d is not an assigned memory BAR",
				   bdf, bar);
	b->start = start;
	b->size = end - start + 1;
	b->flags = flags;
	b->offset = start & (page - 1);
	b->map_len = (b->offset + b->size + page - 1) & ~(page - 1);

	snprintf(path, sizeof(path), PCI_SYSFS "/%s/resource%d", bdf, bar);
	b->fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (b->fd < 0)
		return ppc_set_err(errno, "open %s", path);
	b->map = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      b->fd, 0);
	if (b->map == MAP_FAILED) {
		int err = errno;

		b->map = NULL;
		close(b->fd);
		b->fd = -1;
		return ppc_set_err(err, "mmap of %zu bytes of %s",
				   b->map_len, path);
	}
	return 0;
}

void ppc_pci_unmap_bar(struct ppc_pci_bar *b)
{
	if (b->map)
		munmap(b->map, b->map_len);
	if (b->fd >= 0)
		close(b->fd);
	b->map = NULL;
	b->fd = -1;
}

int ppc_vm_map_bar(struct ppc_vm *vm, struct ppc_pci_bar *b, u64 gpa)
{
	if (!b->map)
		return ppc_set_err(EINVAL, "BAR %d of %s is not mapped",
				   b->bar, b->bdf);
	return ppc_vm_add_memslot(vm, gpa, b->map_len, b->map, 0);
}

/* One instruction per width, like the kernel's in_8()/in_le16()/... */
#define MMIO_ACCESSORS(bits, ld, st)					\
static inline u64 mmio_rd##bits(void *p)				\
{									\
	u64 v;								\
									\
	asm volatile("sync; " ld " %0,0,%1; twi 0,%0,0; isync"		\
		     : "=r" (v) : "r" (p) : "memory");			\
	return v;							\
}									\
static inline void mmio_wr##bits(void *p, u64 v)			\
{									\
	asm volatile("sync; " st " %0,0,%1; sync"			\
		     : : "r" (v), "r" (p) : "memory");			\
}

MMIO_ACCESSORS(8, "lbzx", "stbx")
MMIO_ACCESSORS(16, "lhzx", "sthx")
MMIO_ACCESSORS(32, "lwzx", "stwx")
MMIO_ACCESSORS(64, "ldx", "stdx")

u64 ppc_mmio_read(void *p, int size)
{
	switch (size) {
	case 1:
		return mmio_rd8(p);
	case 2:
		return mmio_rd16(p);
	case 4:
		return mmio_rd32(p);
	default:
		return mmio_rd64(p);
	}
}

void ppc_mmio_write(void *p, int size, u64 val)
{
	switch (size) {
	case 1:
		mmio_wr8(p, val);
		break;
	case 2:
		mmio_wr16(p, val);
		break;
	case 4:
		mmio_wr32(p, val);
		break;
	default:
		mmio_wr64(p, val);
		break;
	}
}
