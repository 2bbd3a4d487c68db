// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VMM's side of a window device without 4K maps (no
 * KVM_PPC_PTW_INFO_MAP_4K): every guest access to a window page exits as
 * KVM_EXIT_MMIO, and a VMM serves it from its own access to the BAR, as
 * QEMU's vfio-pci does with its region. See ppc_ptw_util.h.
 *
 * A window added through ppc_ptw_add() gets a mapping of its own of the
 * BAR's sysfs resource file: the test may unmap or replace the mapping it
 * gave the kernel (host_uaddr) at any time. A window added through
 * ppc_ptw_add_vfio() is served through a VFIO device file of its own, with
 * pread()/pwrite() of its BAR region as QEMU's are: VFIO refuses them
 * while memory decode is off, and such an exit goes on to the test's
 * handler. The registry is indexed by the window device's file
 * descriptor; its lock serializes the control calls of one thread with
 * the exits that vCPU threads serve.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

#include "ppc_ptw_util.h"
#include "ppc_vfio_util.h"

bool ppc_ptw_maps_4k = true;

struct vmm_window {
	bool live;
	u64 gpa, size;
	struct ppc_pci_bar bar;	/* our own mapping of the BAR, or */
	int vfio_device;	/* a VFIO device file (-1: none) */
	u64 vfio_region;	/* the BAR region's offset in it */
	u64 bar_offset;		/* of the window's first byte */
};

struct vmm {
	pthread_mutex_t lock;
	struct vmm_window win[KVM_PPC_PTW_MAX_WINDOWS];
};

#define VMM_MAX_FDS	1024
static struct vmm *vmms[VMM_MAX_FDS];

static struct vmm *vmm_of(int dev)
{
	return dev >= 0 && dev < VMM_MAX_FDS ? vmms[dev] : NULL;
}

static void window_drop(struct vmm_window *w)
{
	if (w->live && w->vfio_device >= 0)
		close(w->vfio_device);
	else if (w->live)
		ppc_pci_unmap_bar(&w->bar);
	memset(w, 0, sizeof(*w));
}

/* One access of len bytes at BAR offset off; false if refused */
static bool window_rw(struct vmm_window *w, u64 off, u32 len, bool write,
		      u64 *data)
{
	if (w->vfio_device >= 0) {
		off += w->vfio_region;
		return (write ? pwrite(w->vfio_device, data, len, off) :
				pread(w->vfio_device, data, len, off)) == len;
	}
	if (write)
		ppc_bar_wr(&w->bar, off, len, *data);
	else
		*data = ppc_bar_rd(&w->bar, off, len);
	return true;
}

static bool vmm_serve(void *opaque, struct kvm_run *run)
{
	struct vmm *v = opaque;
	u64 addr = run->mmio.phys_addr, data = 0;
	u32 len = run->mmio.len;
	bool served = false;
	unsigned int i;

	if (len != 1 && len != 2 && len != 4 && len != 8)
		return false;
	pthread_mutex_lock(&v->lock);
	for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++) {
		struct vmm_window *w = &v->win[i];

		if (!w->live || addr < w->gpa || addr - w->gpa + len > w->size)
			continue;
		/* kvm_run carries the bytes in guest memory order (LE) */
		if (run->mmio.is_write)
			memcpy(&data, run->mmio.data, len);
		served = window_rw(w, w->bar_offset + addr - w->gpa, len,
				   run->mmio.is_write, &data);
		if (served && !run->mmio.is_write) {
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
			memcpy(run->mmio.data, &data, len);
		}
		break;
	}
	pthread_mutex_unlock(&v->lock);
	return served;
}

void ppc_ptw_vmm_attach(struct ppc_vm *vm, int dev)
{
	u64 flags = 0;
	struct vmm *v;
	unsigned int i;

	if (!ppc_ptw_get_attr(dev, KVM_DEV_PPC_PTW_GRP_INFO,
			      KVM_DEV_PPC_PTW_INFO_FLAGS, &flags))
		ppc_ptw_maps_4k = flags & KVM_PPC_PTW_INFO_MAP_4K;
	if (dev >= VMM_MAX_FDS)
		return;
	/* A closed device's fd may come back: start afresh. */
	v = vmms[dev];
	if (v) {
		pthread_mutex_lock(&v->lock);
		for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++)
			window_drop(&v->win[i]);
		pthread_mutex_unlock(&v->lock);
	} else if (!ppc_ptw_maps_4k) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return;
		pthread_mutex_init(&v->lock, NULL);
		vmms[dev] = v;
	}
	if (v && !ppc_ptw_maps_4k) {
		vm->serve_mmio = vmm_serve;
		vm->serve_opaque = v;
	}
}

/*
 * The device, BAR and host physical address behind host_uaddr, from the
 * calling process's own map: the tests map BARs from their sysfs resource
 * files (ppc_pci_map_bar()), whose mappings show the host physical
 * address as their offset (pci_mmap_resource() moves vm_pgoff there).
 */
static int uaddr_bar(u64 uaddr, char *bdf, size_t len, int *bar, u64 *hpa)
{
	unsigned long long start, end, pgoff;
	char line[512], file[400], *res, *dev;
	int r = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (!f)
		return ppc_set_err(errno, "/proc/self/maps");
	while (r && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %399s", &start,
			   &end, &pgoff, file) != 4 ||
		    uaddr < start || uaddr >= end)
			continue;
		res = strrchr(file, '/');
		if (!res || sscanf(res, "/resource%d", bar) != 1)
			break;
		*res = '\0';
		dev = strrchr(file, '/');
		if (!dev)
			break;
		snprintf(bdf, len, "%s", dev + 1);
		*hpa = pgoff + (uaddr - start);
		r = 0;
	}
	fclose(f);
	if (r)
		return ppc_set_err(ENOENT, "window VMM: 0x%llx is no BAR mapping",
				   (unsigned long long)uaddr);
	return 0;
}

/* Publish w as window id of dev (or drop it: no such device here) */
static void vmm_publish(int dev, u32 id, struct vmm_window *w)
{
	struct vmm *v = vmm_of(dev);

	if (!v || id >= KVM_PPC_PTW_MAX_WINDOWS) {
		window_drop(w);
		return;
	}
	pthread_mutex_lock(&v->lock);
	window_drop(&v->win[id]);
	v->win[id] = *w;
	pthread_mutex_unlock(&v->lock);
}

void ppc_ptw_vmm_add(int dev, const struct kvm_ppc_pt_window *w)
{
	struct vmm_window vw = {
		.live = true, .gpa = w->guest_addr, .size = w->size,
		.vfio_device = -1,
	};
	char bdf[PPC_PCI_BDF_LEN];
	int bar = 0;
	u64 hpa = 0;

	if (!vmm_of(dev) ||
	    uaddr_bar(w->host_uaddr, bdf, sizeof(bdf), &bar, &hpa))
		return;
	/* Not servable: the test's exits go to its own handler. */
	if (ppc_pci_map_bar(bdf, bar, &vw.bar)) {
		printf("# window VMM: %s\n", ppc_errmsg());
		return;
	}
	vw.bar_offset = hpa - vw.bar.start;
	vmm_publish(dev, w->id, &vw);
}

void ppc_ptw_vmm_add_vfio(int dev, const struct kvm_ppc_pt_window_vfio *w)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX + w->bar,
	};
	struct vmm_window vw = {
		.live = true, .gpa = w->guest_addr, .size = w->size,
		.bar_offset = w->bar_offset,
	};
	char bdf[PPC_PCI_BDF_LEN];

	if (!vmm_of(dev))
		return;
	snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", w->pci_domain,
		 w->pci_bdf >> 8, (w->pci_bdf >> 3) & 0x1f, w->pci_bdf & 7);
	vw.vfio_device = ioctl(w->vfio_group_fd, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (vw.vfio_device < 0 ||
	    ioctl(vw.vfio_device, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0) {
		printf("# window VMM: VFIO device %s: %s\n", bdf, strerror(errno));
		if (vw.vfio_device >= 0)
			close(vw.vfio_device);
		return;
	}
	vw.vfio_region = ri.offset;
	vmm_publish(dev, w->id, &vw);
}

void ppc_ptw_vmm_close_vfio(void)
{
	unsigned int d, i;

	for (d = 0; d < VMM_MAX_FDS; d++) {
		struct vmm *v = vmms[d];

		if (!v)
			continue;
		pthread_mutex_lock(&v->lock);
		for (i = 0; i < KVM_PPC_PTW_MAX_WINDOWS; i++)
			if (v->win[i].live && v->win[i].vfio_device >= 0)
				window_drop(&v->win[i]);
		pthread_mutex_unlock(&v->lock);
	}
}

void ppc_ptw_vmm_move(int dev, u32 id, u64 guest_addr)
{
	struct vmm *v = vmm_of(dev);

	if (!v || id >= KVM_PPC_PTW_MAX_WINDOWS)
		return;
	pthread_mutex_lock(&v->lock);
	v->win[id].gpa = guest_addr;
	pthread_mutex_unlock(&v->lock);
}

void ppc_ptw_vmm_remove(int dev, u32 id)
{
	struct vmm *v = vmm_of(dev);

	if (!v || id >= KVM_PPC_PTW_MAX_WINDOWS)
		return;
	pthread_mutex_lock(&v->lock);
	window_drop(&v->win[id]);
	pthread_mutex_unlock(&v->lock);
}
