// SPDX-License-Identifier: GPL-2.0-only
/*
 * A device owned through VFIO, as a VMM owns it. See ppc_vfio_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "ppc_ptw_util.h"
#include "ppc_vfio_util.h"

#define PCI_SYSFS	"/sys/bus/pci/devices"

int ppc_vfio_bind(const char *bdf)
{
	char path[128], drv[128];
	ssize_t n;
	int r;

	snprintf(path, sizeof(path), PCI_SYSFS "/%s/driver", bdf);
	n = readlink(path, drv, sizeof(drv) - 1);
	if (n > 0) {
		drv[n] = '\0';
		if (!strcmp(basename(drv), "vfio-pci"))
			return 0;
		snprintf(path, sizeof(path), PCI_SYSFS "/%s/driver/unbind", bdf);
		r = ppc_sysfs_write(path, bdf);
		if (r)
			return r;
	}
	snprintf(path, sizeof(path), PCI_SYSFS "/%s/driver_override", bdf);
	r = ppc_sysfs_write(path, "vfio-pci");
	if (r)
		return r;
	r = ppc_sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	if (r)
		return r;
	snprintf(path, sizeof(path), PCI_SYSFS "/%s/driver", bdf);
	n = readlink(path, drv, sizeof(drv) - 1);
	if (n <= 0)
		return ppc_set_err(ENODEV, "%s: no driver after probing vfio-pci", bdf);
	drv[n] = '\0';
	if (strcmp(basename(drv), "vfio-pci"))
		return ppc_set_err(ENODEV, "%s: bound to %s, not vfio-pci", bdf, drv);
	return 0;
}

int ppc_vfio_unbind(const char *bdf)
{
	char path[128];
	int r = 0;

	snprintf(path, sizeof(path), PCI_SYSFS "/%s/driver", bdf);
	if (!access(path, F_OK)) {
		snprintf(path, sizeof(path), PCI_SYSFS "/%s/driver/unbind", bdf);
		r = ppc_sysfs_write(path, bdf);
	}
	snprintf(path, sizeof(path), PCI_SYSFS "/%s/driver_override", bdf);
	ppc_sysfs_write(path, "\n");
	return r;
}

static int parse_bdf(struct ppc_vfio *v, const char *bdf)
{
	unsigned int dom, bus, dev, fn;

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return ppc_set_err(EINVAL, "bad PCI address %s", bdf);
	v->domain = dom;
	v->pci_bdf = bus << 8 | dev << 3 | fn;
	return 0;
}

int ppc_vfio_open(struct ppc_vfio *v, const char *bdf)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[128], link[128];
	unsigned int i;
	ssize_t n;
	int r, type;

	memset(v, 0, sizeof(*v));
	v->container = v->group = v->device = -1;
	snprintf(v->bdf, sizeof(v->bdf), "%s", bdf);
	r = parse_bdf(v, bdf);
	if (r)
		return r;
	snprintf(path, sizeof(path), PCI_SYSFS "/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return ppc_set_err(errno, "%s: no IOMMU group", bdf);
	link[n] = '\0';
	v->group_id = atoi(basename(link));

	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0)
		return ppc_set_err(errno, "open /dev/vfio/vfio");
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return ppc_set_err(EINVAL, "VFIO API version");
	snprintf(path, sizeof(path), "/dev/vfio/%d", v->group_id);
	v->group = open(path, O_RDWR | O_CLOEXEC);
	if (v->group < 0)
		return ppc_set_err(errno, "open %s", path);
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &st) < 0)
		return ppc_set_err(errno, "VFIO_GROUP_GET_STATUS");
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return ppc_set_err(EBUSY, "group %d is not viable", v->group_id);
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) < 0)
		return ppc_set_err(errno, "VFIO_GROUP_SET_CONTAINER");
	type = ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU) > 0 ?
		VFIO_SPAPR_TCE_v2_IOMMU : VFIO_SPAPR_TCE_IOMMU;
	if (ioctl(v->container, VFIO_SET_IOMMU, type) < 0)
		return ppc_set_err(errno, "VFIO_SET_IOMMU %d", type);
	if (type == VFIO_SPAPR_TCE_IOMMU &&
	    ioctl(v->container, VFIO_IOMMU_ENABLE) < 0)
		return ppc_set_err(errno, "VFIO_IOMMU_ENABLE");
	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (v->device < 0)
		return ppc_set_err(errno, "VFIO_GROUP_GET_DEVICE_FD %s", bdf);
	for (i = 0; i < 6; i++) {
		v->bar[i].argsz = sizeof(v->bar[i]);
		v->bar[i].index = VFIO_PCI_BAR0_REGION_INDEX + i;
		if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, &v->bar[i]) < 0)
			return ppc_set_err(errno, "VFIO_DEVICE_GET_REGION_INFO %u", i);
	}
	return 0;
}

void ppc_vfio_close(struct ppc_vfio *v)
{
	ppc_ptw_vmm_close_vfio();
	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	v->device = v->group = v->container = -1;
}

static int vfio_rw(struct ppc_vfio *v, u64 region, u64 off, int size,
		   u64 *val, bool write)
{
	ssize_t n;

	if (write)
		n = pwrite(v->device, val, size, region + off);
	else
		n = pread(v->device, val, size, region + off);
	if (n != size)
		return ppc_set_err(n < 0 ? errno : EIO, "VFIO %s of %d bytes at 0x%llx",
				   write ? "pwrite" : "pread", size,
				   (unsigned long long)off);
	return 0;
}

int ppc_vfio_pread(struct ppc_vfio *v, int bar, u64 off, int size, u64 *val)
{
	*val = 0;
	return vfio_rw(v, v->bar[bar].offset, off, size, val, false);
}

int ppc_vfio_pwrite(struct ppc_vfio *v, int bar, u64 off, int size, u64 val)
{
	return vfio_rw(v, v->bar[bar].offset, off, size, &val, true);
}

int ppc_vfio_cmd(struct ppc_vfio *v, u16 *cmd, bool write)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	u64 val = *cmd;
	int r;

	if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
		return ppc_set_err(errno, "config region info");
	r = vfio_rw(v, ri.offset, 4 /* PCI_COMMAND */, 2, &val, write);
	*cmd = val;
	return r;
}

int ppc_kvm_vfio_create(struct ppc_vm *vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_VFIO };

	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &cd) < 0)
		return ppc_set_err(errno, "KVM_CREATE_DEVICE KVM_DEV_TYPE_VFIO");
	return cd.fd;
}

int ppc_kvm_vfio_file(int kvfio, int fd, bool add)
{
	struct kvm_device_attr a = {
		.group = KVM_DEV_VFIO_GROUP,
		.attr = add ? KVM_DEV_VFIO_GROUP_ADD : KVM_DEV_VFIO_GROUP_DEL,
		.addr = (unsigned long)&fd,
	};

	if (ioctl(kvfio, KVM_SET_DEVICE_ATTR, &a) < 0)
		return ppc_set_err(errno, "KVM_DEV_VFIO_FILE_%s", add ? "ADD" : "DEL");
	return 0;
}

int ppc_ptw_add_vfio(int dev, struct kvm_ppc_pt_window_vfio *w)
{
	int r = ppc_ptw_set_attr(dev, KVM_DEV_PPC_PTW_GRP_CTRL,
				 KVM_DEV_PPC_PTW_ADD_VFIO, w);

	if (!r)
		ppc_ptw_vmm_add_vfio(dev, w);
	return r;
}

struct kvm_ppc_pt_window_vfio ppc_ptw_window_vfio(const struct ppc_vfio *v,
						  int bar, u64 off, u64 size,
						  u64 guest_addr)
{
	struct kvm_ppc_pt_window_vfio w = {
		.id = ~0U,
		.guest_addr = guest_addr,
		.size = size,
		.vfio_group_fd = v->group,
		.pci_domain = v->domain,
		.pci_bdf = v->pci_bdf,
		.bar = bar,
		.bar_offset = off,
	};

	return w;
}
