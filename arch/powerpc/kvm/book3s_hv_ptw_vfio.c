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
 * KVM-VFIO device (KVM_DEV_VFIO_FILE_DEL), when the VMM closes the device,
 * or with the VM; it is suspended whenever VFIO revokes access to the BARs
 * (memory decode off, reset, low power: vfio-pci's BAR notifier) and
 * resumes at the next guest fault that finds the BARs decoding, as VFIO's
 * own BAR mmaps are zapped and fault back in.
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

/* vfio-pci's BAR notifier, taken at the first window and kept. */
static DEFINE_MUTEX(ptw_vfio_ops_lock);
static struct kvmppc_ptw_vfio_bar_ops ptw_vfio_ops;
static bool ptw_vfio_ops_ready;

static int ptw_vfio_ops_get(void)
{
	int ret = 0;

	mutex_lock(&ptw_vfio_ops_lock);
	if (!ptw_vfio_ops_ready) {
		ret = kvmppc_ptw_vfio_bar_ops_get(&ptw_vfio_ops);
		ptw_vfio_ops_ready = !ret;
	}
	mutex_unlock(&ptw_vfio_ops_lock);
	return ret;
}

/**
 * kvmppc_ptw_vfio_exit() - module exit: let vfio-pci go
 */
void kvmppc_ptw_vfio_exit(void)
{
	if (ptw_vfio_ops_ready)
		kvmppc_ptw_vfio_bar_ops_put(&ptw_vfio_ops);
	ptw_vfio_ops_ready = false;
}

/* VFIO revoked the BARs of some device, or its user closed it. */
static int ptw_vfio_notify(struct notifier_block *nb, unsigned long event,
			   void *data)
{
	struct kvmppc_ptw_vfio *v = container_of(nb, struct kvmppc_ptw_vfio, nb);
	struct vfio_pci_core_device *drop;

	if (data != v->w->vfio_pdev)
		return NOTIFY_DONE;
	drop = kvmppc_ptw_vfio_revoke(v->p, v->w,
				      event == KVMPPC_PTW_VFIO_DEVICE_CLOSED);
	if (drop)
		put_device(&drop->vdev.device);
	return NOTIFY_OK;
}

/**
 * kvmppc_ptw_vfio_get_vdev() - a reference that keeps @vdev's memory
 * @vdev: from a window's kvmppc_ptw_vfio, read under kvm->mmu_lock
 */
void kvmppc_ptw_vfio_get_vdev(struct vfio_pci_core_device *vdev)
{
	get_device(&vdev->vdev.device);
}

/**
 * kvmppc_ptw_vfio_resume_begin() - hold the device's BAR access
 * @vdev: a device a reference is held on
 *
 * Return: whether its BARs decode. kvmppc_ptw_vfio_resume_end() follows
 * either way (it drops the reference); VFIO cannot revoke in between.
 */
bool kvmppc_ptw_vfio_resume_begin(struct vfio_pci_core_device *vdev)
{
	return ptw_vfio_ops.begin(vdev);
}

void kvmppc_ptw_vfio_resume_end(struct vfio_pci_core_device *vdev)
{
	ptw_vfio_ops.end(vdev);
	put_device(&vdev->vdev.device);
}

/**
 * kvmppc_ptw_vfio_resolve() - the host bytes of a window named via VFIO
 * @p: the VM's window state
 * @uv: the VMM's request
 * @w: the window: its host address is set, a reference on the PCI device
 *	and on the VFIO device, the granting file and a registered BAR
 *	notifier are recorded on success; it starts suspended (the first
 *	fault checks that the BARs decode)
 *
 * Return: 0; -EOPNOTSUPP if vfio-pci has no BAR notifier; -EBADF for a
 * bad file descriptor; -EINVAL if it is not a
 * VFIO group file, for a BAR index above 5 or a BAR that is not memory;
 * -EPERM if the group is not registered with the VM's KVM-VFIO device or
 * the range does not lie inside the BAR; -ENODEV if no such PCI device is
 * in that group, bound to vfio-pci and opened.
 */
int kvmppc_ptw_vfio_resolve(struct kvmppc_ptw *p,
			    const struct kvm_ppc_pt_window_vfio *uv,
			    struct kvmppc_ptw_window *w)
{
	struct vfio_pci_core_device *vdev;
	struct iommu_group *grp, *devgrp;
	struct kvmppc_ptw_vfio *v;
	struct pci_dev *pdev;
	struct file *file;
	u64 len;
	int ret;

	ret = ptw_vfio_ops_get();
	if (ret)
		return ret;
	file = fget(uv->vfio_group_fd);
	if (!file)
		return -EBADF;
	ret = -EINVAL;
	grp = ptw_vfio_group_of(file);
	if (!grp)
		goto out_fput;
	ret = -EPERM;
	if (!kvm_vfio_file_is_registered(p->kvm, file))
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
	ret = -EINVAL;
	if (uv->bar >= PCI_STD_NUM_BARS ||
	    !(pci_resource_flags(pdev, uv->bar) & IORESOURCE_MEM))
		goto out_put;
	ret = -EPERM;
	len = pci_resource_len(pdev, uv->bar);
	if (uv->bar_offset >= len || uv->size > len - uv->bar_offset)
		goto out_put;
	ret = -ENOMEM;
	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		goto out_put;
	/* The VFIO device's memory stays while we hold its device. */
	ret = -ENODEV;
	device_lock(&pdev->dev);
	if (!ptw_vfio_owned(pdev)) {
		device_unlock(&pdev->dev);
		kfree(v);
		goto out_put;
	}
	vdev = dev_get_drvdata(&pdev->dev);
	get_device(&vdev->vdev.device);
	device_unlock(&pdev->dev);

	v->vdev = vdev;
	v->w = w;
	v->p = p;
	v->nb.notifier_call = ptw_vfio_notify;
	w->layout.host_addr = pci_resource_start(pdev, uv->bar) +
			      uv->bar_offset;
	w->vfio_pdev = pdev;
	w->vfio_file = file;
	w->vfio = v;
	w->suspended = true;
	ret = ptw_vfio_ops.register_notifier(&v->nb);
	if (ret) {
		kvmppc_ptw_vfio_put(w);
		fput(file);
		return ret;
	}
	v->registered = true;
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
	struct kvmppc_ptw_vfio *v = w->vfio;

	if (v) {
		/* Waits for a notifier call in progress. */
		if (v->registered)
			ptw_vfio_ops.unregister_notifier(&v->nb);
		if (v->vdev)
			put_device(&v->vdev->vdev.device);
		kfree(v);
		w->vfio = NULL;
	}
	pci_dev_put(w->vfio_pdev);
	w->vfio_pdev = NULL;
}
