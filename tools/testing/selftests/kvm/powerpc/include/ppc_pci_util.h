/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI devices of the emulated host through sysfs: find a device, enable it,
 * and mmap a memory BAR through /sys/bus/pci/devices/<bdf>/resource<N>.
 *
 * The sysfs mmap starts at the host page that holds the BAR's first byte, so
 * on a 64K-page host a small BAR at a 4K offset sits at map + offset, and
 * the rest of that 64K page (other devices' BARs) is mapped too.
 */
#ifndef PPC_PCI_UTIL_H
#define PPC_PCI_UTIL_H

#include "ppc_kvm_util.h"

#define PPC_PCI_BDF_LEN		32

struct ppc_pci_bar {
	char bdf[PPC_PCI_BDF_LEN];
	int bar;
	u64 start;		/* host physical address of the BAR */
	u64 size;
	u64 flags;		/* IORESOURCE_* from sysfs */
	int fd;
	void *map;		/* whole host pages, from the page of start */
	size_t map_len;
	size_t offset;		/* BAR start within map */
};

/* sysfs read/write helpers; return 0 or a negative errno */
int ppc_sysfs_read(const char *path, char *buf, size_t len);
int ppc_sysfs_write(const char *path, const char *val);

int ppc_pci_find(u16 vendor, u16 device, char *bdf, size_t len);
int ppc_pci_enable(const char *bdf);
int ppc_pci_map_bar(const char *bdf, int bar, struct ppc_pci_bar *b);
void ppc_pci_unmap_bar(struct ppc_pci_bar *b);

/*
 * A memslot of the BAR's mapped host pages at gpa (host-page aligned): the
 * BAR's first byte is then at gpa + b->offset. Returns the slot number.
 */
int ppc_vm_map_bar(struct ppc_vm *vm, struct ppc_pci_bar *b, u64 gpa);

/* The BAR as seen through the host's own mapping */
static inline void *ppc_pci_bar_ptr(struct ppc_pci_bar *b, u64 off)
{
	return (char *)b->map + b->offset + off;
}

/*
 * Host-side MMIO of exactly 1, 2, 4 or 8 bytes, little endian, ordered like
 * the kernel's in_le32()/out_le32(): sync before, and loads complete before
 * anything after them.
 */
u64 ppc_mmio_read(void *p, int size);
void ppc_mmio_write(void *p, int size, u64 val);

#endif /* PPC_PCI_UTIL_H */
