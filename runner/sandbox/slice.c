/*
 * socklab-slice: gives every thread of the runner the scheduler's shortest
 * slice (slice.h). The runner's threads weigh far more than all sessions
 * together (cgroups.ts), but weight decides a share, not how soon a woken
 * thread runs: beside 50 busy sessions the runner's event loop, woken by a
 * keystroke, waited for a core a tenth of the time, behind tasks in the
 * middle of their 1.4 ms slices. A slice shorter than theirs lets it
 * preempt them at once, and costs it nothing but shorter turns.
 *
 * Usage: socklab-slice PID NS   (the runner runs it once, on itself)
 * Exit 0 once every thread that was there took the slice; 1 otherwise.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "slice.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: socklab-slice PID NS\n");
    return 2;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", atoi(argv[1]));
  uint64_t ns = strtoull(argv[2], NULL, 10);
  DIR *tasks = opendir(path);
  if (!tasks) {
    perror(path);
    return 1;
  }
  int failed = 0;
  for (struct dirent *e; (e = readdir(tasks));) {
    if (e->d_name[0] == '.') continue;
    // A thread that ended meanwhile (ESRCH) took nothing and needs nothing.
    if (set_slice(atoi(e->d_name), ns) != 0 && errno != ESRCH) {
      fprintf(stderr, "socklab-slice: thread %s: %s\n", e->d_name, strerror(errno));
      failed = 1;
    }
  }
  closedir(tasks);
  return failed;
}
