// SPDX-License-Identifier: GPL-2.0
/*
 * Passthrough IO windows whose host BAR is named through VFIO.
 *
 * VFIO cannot mmap a BAR smaller than the host page, or one that shares
 * its 64K page with another BAR (vfio_pci_probe_mmaps()), so a VMM that
 * owns a device through VFIO has no userspace mapping to give ADD. It
 * names the device instead: a VFIO group file, the device's PCI address,
 * a BAR index and an offset. The kernel proves ownership the way
 * KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE links a group to KVM, kernel to
 * kernel: the group file is registered with this VM's KVM-VFIO device,
 * the device is in that IOMMU group, bound to vfio-pci and opened by the
 * VMM (so vfio-pci cannot be unbound under the window), and the range
 * lies inside one memory BAR. The window ends when the file leaves the
 * KVM-VFIO device (KVM_DEV_VFIO_FILE_DEL), or with the VM.
 */

#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>
#include <asm/kvm_ppc.h>
#include <asm/kvm_ptw.h>

#include "book3s_hv_ptw.h"

/* The IOMMU group of a VFIO group file; NULL for any other file. */
static struct iommu_group *ptw_vfio_group_of(struct file *file)
{
	struct iommu_group *(*fn)(struct file *file);
	struct iommu_group *grp;

	/* No hard dependency of kvm-hv on vfio: it may not be loaded. */
	fn = symbol_get(vfio_file_iommu_group);
	if (!fn)
		return NULL;
	grp = fn(file);
	symbol_put(vfio_file_iommu_group);
	return grp;
}

/* Bound to vfio-pci and opened through VFIO; device_lock held. */
static bool ptw_vfio_owned(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *vdev;

	if (!pdev->dev.driver || strcmp(pdev->dev.driver->name, "vfio-pci"))
		return false;
	vdev = dev_get_drvdata(&pdev->dev);
	return vdev && vdev->vdev.open_count;
}

/**
 * kvmppc_ptw_vfio_resolve() - the host bytes of a window named via VFIO
 * @kvm: the VM
 * @uv: the VMM's request
 * @w: the window: its host address is set, and a reference on the PCI
 *	device and the granting file are recorded on success
 *
 * Return: 0; -EBADF for a bad file descriptor; -EINVAL if it is not a
 * VFIO group file, for a BAR index above 5 or a BAR that is not memory;
 * -EPERM if the group is not registered with the VM's KVM-VFIO device or
 * the range does not lie inside the BAR; -ENODEV if no such PCI device is
 * in that group, bound to vfio-pci and opened.
 */
int kvmppc_ptw_vfio_resolve(struct kvm *kvm,
			    const struct kvm_ppc_pt_window_vfio *uv,
			    struct kvmppc_ptw_window *w)
{
	struct iommu_group *grp, *devgrp;
	struct pci_dev *pdev;
	struct file *file;
	u64 len;
	int ret;

	file = fget(uv->vfio_group_fd);
	if (!file)
		return -EBADF;
	ret = -EINVAL;
	grp = ptw_vfio_group_of(file);
	if (!grp)
		goto out_fput;
	ret = -EPERM;
	if (!kvm_vfio_file_is_registered(kvm, file))
		goto out_fput;
	ret = -ENODEV;
	pdev = pci_get_domain_bus_and_slot(uv->pci_domain, uv->pci_bdf >> 8,
					   uv->pci_bdf & 0xff);
	if (!pdev)
		goto out_fput;
	devgrp = iommu_group_get(&pdev->dev);
	iommu_group_put(devgrp);
	if (devgrp != grp)
		goto out_put;
	device_lock(&pdev->dev);
	if (!ptw_vfio_owned(pdev)) {
		device_unlock(&pdev->dev);
		goto out_put;
	}
	device_unlock(&pdev->dev);

	ret = -EINVAL;
	if (uv->bar >= PCI_STD_NUM_BARS ||
	    !(pci_resource_flags(pdev, uv->bar) & IORESOURCE_MEM))
		goto out_put;
	ret = -EPERM;
	len = pci_resource_len(pdev, uv->bar);
	if (uv->bar_offset >= len || uv->size > len - uv->bar_offset)
		goto out_put;
	w->layout.host_addr = pci_resource_start(pdev, uv->bar) +
			      uv->bar_offset;
	w->vfio_pdev = pdev;
	w->vfio_file = file;
	fput(file);
	return 0;

out_put:
	pci_dev_put(pdev);
out_fput:
	fput(file);
	return ret;
}

/**
 * kvmppc_ptw_vfio_put() - drop what a window named via VFIO holds
 * @w: the window, no longer reachable
 */
void kvmppc_ptw_vfio_put(struct kvmppc_ptw_window *w)
{
	pci_dev_put(w->vfio_pdev);
	w->vfio_pdev = NULL;
}
