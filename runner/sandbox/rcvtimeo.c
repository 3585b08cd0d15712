/*
 * socklab-rcvtimeo: the receive timeout (SO_RCVTIMEO) of sockets another
 * process holds. A thread blocked in recv() or accept() on such a socket
 * ends its wait when that timeout runs out, and nothing in /proc shows
 * it: the grader asks here before it calls a program blocked for ever
 * (procfs.ts receiveTimeouts), instead of waiting to see whether it wakes.
 *
 * For each FD it takes a copy of the process's descriptor (pidfd_getfd,
 * Linux 5.6; the caller needs ptrace rights over PID, which the runner has
 * as root or as the owner of the sandbox's user namespace) and prints one
 * line: "FD MS", the timeout in ms (0: none), "FD -" when FD is not a
 * socket (no timeout of this kind), or "FD ?" when it could not tell.
 *
 * Usage: socklab-rcvtimeo PID FD...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int main(int argc, char **argv) {
  if (argc < 3) {
    dprintf(2, "usage: socklab-rcvtimeo PID FD...\n");
    return 2;
  }
  int pidfd = (int)syscall(SYS_pidfd_open, atoi(argv[1]), 0);
  for (int i = 2; i < argc; i++) {
    int target = atoi(argv[i]);
    int fd = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, target, 0);
    if (fd < 0) {
      printf("%d ?\n", target);
      continue;
    }
    struct timeval tv;
    socklen_t len = sizeof tv;
    if (getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0) printf("%d %lld\n", target, (long long)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
    else printf("%d %s\n", target, errno == ENOTSOCK ? "-" : "?");
    close(fd);
  }
  return 0;
}
