/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP harness for the userspace tests of the passthrough-window
 * code. Each test binary includes the kernel .c file under test directly
 * (as tools/testing/vma does with mm/vma.c) and registers its tests with
 * TEST(). main() runs them all and prints TAP plus a summary line that
 * the top-level Makefile adds up.
 */
#ifndef KVM_PT_HARNESS_H
#define KVM_PT_HARNESS_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

struct harness_test {
	const char *name;
	void (*fn)(void);
};

#define HARNESS_MAX_TESTS 512
extern struct harness_test harness_tests[HARNESS_MAX_TESTS];
extern int harness_ntests;
extern int harness_cur_failed;

#define TEST(tname)							\
	static void test_##tname(void);					\
	__attribute__((constructor)) static void reg_##tname(void)	\
	{								\
		harness_tests[harness_ntests].name = #tname;		\
		harness_tests[harness_ntests++].fn = test_##tname;	\
	}								\
	static void test_##tname(void)

/* Record a failure but keep going so one run shows every broken rule. */
#define EXPECT(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			if (harness_cur_failed++ < 5) {			\
				fprintf(stderr, "# %s:%d: %s: ",	\
					__FILE__, __LINE__, #cond);	\
				fprintf(stderr, " " __VA_ARGS__);	\
				fprintf(stderr, "\n");			\
			}						\
		}							\
	} while (0)

#define EXPECT_EQ(a, b)							\
	EXPECT((unsigned long long)(a) == (unsigned long long)(b),	\
	       "%s = %#llx, %s = %#llx", #a, (unsigned long long)(a),	\
	       #b, (unsigned long long)(b))

/* Abort the current test (not the binary) on a failed precondition. */
#define ASSERT(cond, ...)						\
	do {								\
		int __ok = !!(cond);					\
		EXPECT(__ok, __VA_ARGS__);				\
		if (!__ok)						\
			return;						\
	} while (0)

/* Whether the child @pid died of SIGABRT (a WARN or a lockdep assertion). */
static inline bool harness_aborted(pid_t pid)
{
	int status;

	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* Run fn(arg) in a child, stderr silenced; true if it died of SIGABRT. */
#define harness_dies(fn, arg)						\
	({								\
		pid_t __pid;						\
									\
		fflush(stdout);						\
		fflush(stderr);						\
		__pid = fork();						\
		if (!__pid) {						\
			if (!freopen("/dev/null", "w", stderr))		\
				_exit(2);				\
			fn(arg);					\
			_exit(0);					\
		}							\
		harness_aborted(__pid);					\
	})

#ifdef HARNESS_MAIN
struct harness_test harness_tests[HARNESS_MAX_TESTS];
int harness_ntests;
int harness_cur_failed;

int main(int argc, char **argv)
{
	int i, passed = 0, failed = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	printf("TAP version 13\n1..%d\n", harness_ntests);
	for (i = 0; i < harness_ntests; i++) {
		if (only && strcmp(only, harness_tests[i].name)) {
			printf("ok %d - %s # SKIP not selected\n", i + 1,
			       harness_tests[i].name);
			continue;
		}
		harness_cur_failed = 0;
		harness_tests[i].fn();
		if (harness_cur_failed) {
			failed++;
			printf("not ok %d - %s\n", i + 1, harness_tests[i].name);
		} else {
			passed++;
			printf("ok %d - %s\n", i + 1, harness_tests[i].name);
		}
		fflush(stdout);
	}
	printf("# %s: %d passed, %d failed\n", argv[0], passed, failed);
	return failed ? 1 : 0;
}
#endif

#endif /* KVM_PT_HARNESS_H */
