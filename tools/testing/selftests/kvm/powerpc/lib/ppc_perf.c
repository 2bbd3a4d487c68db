// SPDX-License-Identifier: GPL-2.0-only
/*
 * Instruction counts of the emulated host's CPU. See ppc_perf.h.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "ppc_perf.h"

static int open_counter(bool exclude_user, bool exclude_kernel)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_INSTRUCTIONS;
	attr.disabled = 1;
	attr.exclude_user = exclude_user;
	attr.exclude_kernel = exclude_kernel;
	/* A powernv host's kernel runs in hypervisor state: keep it */
	attr.exclude_hv = 0;
	return syscall(__NR_perf_event_open, &attr, 0, -1, -1, 0);
}

int ppc_perf_open(struct ppc_perf *p)
{
	memset(p, 0, sizeof(*p));
	p->kfd = open_counter(true, false);
	if (p->kfd < 0) {
		p->ufd = -1;
		return ppc_set_err(errno, "perf_event_open(instructions, kernel only)");
	}
	p->ufd = open_counter(false, true);
	if (p->ufd < 0) {
		int e = errno;

		close(p->kfd);
		p->kfd = -1;
		return ppc_set_err(e, "perf_event_open(instructions, user only)");
	}
	if (ioctl(p->kfd, PERF_EVENT_IOC_ENABLE, 0) ||
	    ioctl(p->ufd, PERF_EVENT_IOC_ENABLE, 0)) {
		int e = errno;

		ppc_perf_close(p);
		return ppc_set_err(e, "PERF_EVENT_IOC_ENABLE");
	}
	return 0;
}

void ppc_perf_close(struct ppc_perf *p)
{
	if (p->kfd >= 0)
		close(p->kfd);
	if (p->ufd >= 0)
		close(p->ufd);
	p->kfd = -1;
	p->ufd = -1;
}

static int read_counter(int fd, u64 *v)
{
	if (read(fd, v, sizeof(*v)) != sizeof(*v))
		return ppc_set_err(errno ? errno : EIO, "read of a perf counter");
	return 0;
}

int ppc_perf_begin(struct ppc_perf *p)
{
	int r = read_counter(p->kfd, &p->k0);

	return r ? r : read_counter(p->ufd, &p->u0);
}

int ppc_perf_end(struct ppc_perf *p)
{
	u64 k, u;
	int r = read_counter(p->kfd, &k);

	if (!r)
		r = read_counter(p->ufd, &u);
	if (r)
		return r;
	p->kernel = k - p->k0;
	p->user = u - p->u0;
	return 0;
}

static void user_loop(u64 n)
{
	u64 x = 0;

	/* 2 instructions per iteration: addi, bdnz */
	asm volatile("mtctr %1\n1: addi %0,%0,1\n bdnz 1b"
		     : "+r" (x) : "r" (n) : "ctr");
}

int ppc_perf_check(struct ppc_perf *p, struct ppc_perf_check *c)
{
	u64 i, want = 2 * PPC_PERF_LOOP;
	int r;

	memset(c, 0, sizeof(*c));
	r = ppc_perf_begin(p);
	user_loop(PPC_PERF_LOOP);
	if (!r)
		r = ppc_perf_end(p);
	c->loop_kernel = p->kernel;
	c->loop_user = p->user;
	if (!r)
		r = ppc_perf_begin(p);
	for (i = 0; i < PPC_PERF_SYSCALLS; i++)
		syscall(__NR_getppid);
	if (!r)
		r = ppc_perf_end(p);
	c->sys_kernel = p->kernel;
	c->sys_user = p->user;
	if (r)
		return r;
	c->counts = c->loop_user >= want && c->loop_user <= want + want / 100;
	c->split = c->counts && c->loop_kernel < want / 100 &&
		   c->sys_kernel >= 10 * PPC_PERF_SYSCALLS;
	return 0;
}
