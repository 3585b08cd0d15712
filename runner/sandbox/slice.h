/*
 * The scheduler's slice of a thread (Linux 6.12 and later: a fair task's
 * sched_attr.sched_runtime): how long it may run before the scheduler looks
 * again, and, shorter than the running task's, what lets it preempt that
 * task when it wakes. The runner's threads ask for the shortest
 * (socklab-slice, slice.c); the programs it starts must not inherit that
 * (a slice is kept across fork and exec), so each of our binaries the
 * runner starts itself goes back to the default first (set_slice(0, 0)).
 * Older kernels take the call and ignore the field.
 */
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* The kernel's struct sched_attr, its first version (glibc has no wrapper before 2.41). */
struct socklab_sched_attr {
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

/* Sets thread `tid`'s slice to `ns` (0: this thread; ns 0: the default), keeping its policy and niceness. */
static int set_slice(pid_t tid, uint64_t ns) {
  struct socklab_sched_attr a;
  memset(&a, 0, sizeof a);
  if (syscall(SYS_sched_getattr, tid, &a, sizeof a, 0) != 0) return -1;
  a.size = sizeof a;
  a.sched_flags = 0;
  a.sched_runtime = ns;
  return (int)syscall(SYS_sched_setattr, tid, &a, 0);
}
