/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Instruction counts of the emulated host's own CPU (perf_event_open on the
 * PMU that QEMU emulates), for benchmarks that count what the host does
 * per guest access.
 *
 * Two counters of PERF_COUNT_HW_INSTRUCTIONS follow the calling thread:
 * one kernel-only (exclude_user), one user-only (exclude_kernel). A guest
 * running in KVM_RUN is not counted: KVM switches the PMU to the guest's
 * state (frozen counters) around guest entry. ppc_perf_check() measures
 * known work first, so a test can say what the counters are worth here:
 * QEMU 7.2's TCG PMU, for one, ignores the freeze-in-problem-state and
 * freeze-in-supervisor controls (MMCR0 FCP/FCS), so both counters then
 * count everything.
 */
#ifndef PPC_PERF_H
#define PPC_PERF_H

#include "ppc_kvm_util.h"

struct ppc_perf {
	int kfd, ufd;		/* kernel-only, user-only; -1 if not open */
	u64 k0, u0;
	u64 kernel, user;	/* counted between begin and end */
};

/* 0, or a negative errno (message in ppc_errmsg()) */
int ppc_perf_open(struct ppc_perf *p);
void ppc_perf_close(struct ppc_perf *p);
int ppc_perf_begin(struct ppc_perf *p);
int ppc_perf_end(struct ppc_perf *p);

/*
 * Known work: a user loop of 2 * PPC_PERF_LOOP instructions and
 * PPC_PERF_SYSCALLS getppid() calls. counts says whether the PMU counts
 * at all (the loop is seen within 1%), split whether the kernel-only
 * counter leaves the user loop out and sees the syscalls.
 */
#define PPC_PERF_LOOP		1000000ULL
#define PPC_PERF_SYSCALLS	1000ULL

struct ppc_perf_check {
	u64 loop_kernel, loop_user;	/* the user loop, both counters */
	u64 sys_kernel, sys_user;	/* the syscalls, both counters */
	bool counts, split;
};

int ppc_perf_check(struct ppc_perf *p, struct ppc_perf_check *c);

#endif /* PPC_PERF_H */
