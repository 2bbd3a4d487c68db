/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A device owned through VFIO, as a VMM owns it: bound to vfio-pci, its
 * IOMMU group in an sPAPR TCE container, its device fd; and the VM's
 * KVM-VFIO device. Failing functions return a negative errno with
 * ppc_errmsg() set.
 */
#ifndef PPC_VFIO_UTIL_H
#define PPC_VFIO_UTIL_H

#include <linux/vfio.h>

#include "ppc_kvm_util.h"

struct ppc_vfio {
	char bdf[32];
	u32 domain;
	u16 pci_bdf;		/* bus << 8 | devfn */
	int group_id;
	int container;
	int group;
	int device;
	struct vfio_region_info bar[6];
};

/* driver_override + drivers_probe; unbinds from any other driver first */
int ppc_vfio_bind(const char *bdf);
/* Back to no driver (driver_override cleared) */
int ppc_vfio_unbind(const char *bdf);
int ppc_vfio_open(struct ppc_vfio *v, const char *bdf);
void ppc_vfio_close(struct ppc_vfio *v);
/* Device accesses through the device fd (VFIO_DEVICE_GET_REGION_INFO) */
int ppc_vfio_pread(struct ppc_vfio *v, int bar, u64 off, int size, u64 *val);
int ppc_vfio_pwrite(struct ppc_vfio *v, int bar, u64 off, int size, u64 val);
/* The command register through config space */
int ppc_vfio_cmd(struct ppc_vfio *v, u16 *cmd, bool write);

/* The VM's KVM-VFIO device, and KVM_DEV_VFIO_FILE_ADD / _DEL */
int ppc_kvm_vfio_create(struct ppc_vm *vm);
int ppc_kvm_vfio_file(int kvfio, int fd, bool add);

/* ADD_VFIO on the window device: 0 or -errno; the id in w->id */
int ppc_ptw_add_vfio(int dev, struct kvm_ppc_pt_window_vfio *w);
/*
 * The window VMM's side of ppc_ptw_add_vfio() (ppc_ptw_vmm.c), and the
 * release of the VFIO device files it holds (ppc_vfio_close()), which an
 * unbind from vfio-pci would wait for.
 */
void ppc_ptw_vmm_add_vfio(int dev, const struct kvm_ppc_pt_window_vfio *w);
void ppc_ptw_vmm_close_vfio(void);
struct kvm_ppc_pt_window_vfio ppc_ptw_window_vfio(const struct ppc_vfio *v,
						  int bar, u64 off, u64 size,
						  u64 guest_addr);

#endif /* PPC_VFIO_UTIL_H */
