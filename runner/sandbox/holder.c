/*
 * socklab-holder: the first program of every session sandbox (bwrap.ts), the
 * "holder" whose namespaces the session's programs join.
 *
 * It starts with CAP_SYS_ADMIN and CAP_NET_ADMIN in the session's user
 * namespace (nothing outside it), which no student process ever has, and:
 *  - bounds the inodes of the session's tmpfs mounts /work, /tmp and
 *    /dev/shm (bwrap can only bound their size), keeping each mount's flags;
 *  - mounts the session's devpts at /dev/pts with at most PTYS ptys
 *    (bwrap's own --dev devpts has no limit: one program took 3,071 ptys of
 *    the machine);
 *  - bounds TCP buffers in the session's network namespace, through the
 *    host's /proc/sys/net bound at /.socklab/net (it shows the reader's own
 *    namespace; bwrap's /proc/sys is read-only), or says "warning ..." when
 *    it cannot; and keeps the kernel from saving TCP metrics (the RTT a
 *    closed connection had, which the next connection to the same address
 *    starts from): every connection starts as the first of a new session
 *    does, so a session made new (reset) holds nothing of the last check
 *    (a user namespace may not flush them);
 *  - says "ready", drops CAP_SYS_ADMIN for good, and then serves the
 *    runner's commands on stdin, one at a time, each answered with one line,
 *    "ok" or "error <message>":
 *      nft <script>      applies one nftables script (one line) with nft
 *      files <bytes>     the next <bytes> bytes are a ustar archive of
 *                        regular files (the runner's packTar): written into
 *                        /work by a child of ours with no capability at
 *                        all (write_files), never following a symlink
 *      bound tcp|udp PORT [WAITMS]
 *                        whether something in the session listens on
 *                        (tcp) or is bound to (udp) PORT, through sock_diag
 *                        (bound_now): "ok 2" where 127.0.0.1 reaches it,
 *                        "ok 1" where only IPv6 does, "ok 0" where nothing
 *                        is. With WAITMS (at most 1000) it looks again
 *                        every 10 ms until 127.0.0.1 reaches it or WAITMS
 *                        passed, and says what the last look saw: a Run
 *                        waiting for its server costs the runner one
 *                        message each way per WAITMS, not per look. No
 *                        process starts for it and no table of the
 *                        machine's connections is walked.
 *      sockets           every TCP and UDP socket in the session's network
 *                        namespace that /proc/net lists (not a TCP socket
 *                        bound alone), through sock_diag (answer_sockets): "ok"
 *                        and an entry per socket with /proc/net/tcp's
 *                        columns, or "error too many sockets" past
 *                        MAX_LISTED_SOCKETS
 *      reset             makes the session as a new one for the next check
 *                        of the same grade: once no process of the last
 *                        check is left (only the session's pid 1 and the
 *                        holder), empties /work, /tmp and /dev/shm (with no
 *                        capability, like tar), destroys every TCP socket
 *                        the last check left (TIME_WAIT, closing ends),
 *                        and answers "ok" only when no TCP or
 *                        UDP socket is left; anything it cannot make new
 *                        is an "error" (the runner then makes a new session)
 *    It exits when the runner closes its stdin.
 *
 * It is C rather than the shell script it replaces because a grade makes a
 * sandbox per check: the script cost seven process starts (sh, four mounts,
 * setpriv, sh) before the first program, and writing the files cost four
 * more from the runner (a fork of the runner, sh, setpriv, nsenter, tar);
 * this costs one, and writing the files a fork (they are written at Run,
 * on the way to the program's first byte: even `tar -x` cost an exec).
 *
 * Usage: socklab-holder INODES MAX_TCP_BUFFER PTYS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/capability.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The longest command line: an nft script of the runner's (loss.ts) is a few hundred bytes. */
#define MAX_LINE 8192
/* The most of a command's own output kept for its error line. */
#define MAX_OUTPUT 2000

static char in_buf[65536];
/* Whether the kernel saves no TCP metrics in this session (tcp_no_metrics_save): a reset needs it. */
static int metrics_unsaved;
static size_t in_have, in_at;

static void say(const char *line) {
  size_t len = strlen(line);
  while (len > 0) {
    ssize_t n = write(1, line, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0); /* the runner is gone */
    line += n;
    len -= (size_t)n;
  }
}

/* Fills in_buf when it is empty; 0 at end of input. */
static int fill(void) {
  if (in_at < in_have) return 1;
  for (;;) {
    ssize_t n = read(0, in_buf, sizeof in_buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    in_at = 0;
    in_have = (size_t)n;
    return 1;
  }
}

/* One line of stdin without its newline (a longer one is cut); 0 at end of input. */
static int read_line(char *line, size_t size) {
  size_t len = 0;
  for (;;) {
    if (!fill()) return 0;
    char c = in_buf[in_at++];
    if (c == '\n') break;
    if (len + 1 < size) line[len++] = c;
  }
  line[len] = 0;
  return 1;
}

/* A whole number from 0 to max, or -1. */
static long number(const char *text, long max) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  return errno || end == text || *end || v < 0 || v > max ? -1 : v;
}

/* The mount flags of `path` (nosuid, nodev...), as mount(2) takes them; (unsigned long)-1 if it cannot tell. */
static unsigned long flags_of(const char *path) {
  struct statvfs st;
  if (statvfs(path, &st) < 0) return (unsigned long)-1;
  /* statvfs's ST_ bits are not all mount(2)'s MS_ bits (ST_RELATIME is MS_BIND's value): one by one. */
  static const unsigned long flags[][2] = {
      {ST_RDONLY, MS_RDONLY}, {ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV}, {ST_NOEXEC, MS_NOEXEC}, {ST_SYNCHRONOUS, MS_SYNCHRONOUS},
      {ST_MANDLOCK, MS_MANDLOCK}, {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
  };
  unsigned long kept = 0;
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    if (st.f_flag & flags[i][0]) kept |= flags[i][1];
  return kept;
}

/* Remounts a tmpfs with at most `inodes` inodes, keeping its flags and its size. */
static int bound_inodes(const char *path, long inodes) {
  unsigned long kept = flags_of(path);
  if (kept == (unsigned long)-1) return -1;
  char data[64];
  snprintf(data, sizeof data, "nr_inodes=%ld", inodes);
  return mount("none", path, NULL, MS_REMOUNT | kept, data);
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int failed = n != (ssize_t)strlen(text);
  close(fd);
  return failed ? -1 : 0;
}

/* Keeps CAP_NET_ADMIN (for nft) and nothing else: CAP_SYS_ADMIN goes from every set it is in. */
static void drop_sys_admin(void) {
  struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {{0}};
  data[0].effective = data[0].permitted = data[0].inheritable = 1u << CAP_NET_ADMIN;
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 || syscall(SYS_capset, &head, data) < 0 ||
      prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0) < 0) {
    perror("socklab-holder: dropping CAP_SYS_ADMIN");
    exit(1);
  }
}

/* Drops the next `left` bytes of stdin: the rest of an archive its tar did not read is not the next command. */
static void skip_input(size_t left) {
  while (left > 0) {
    if (!fill()) _exit(0); /* the runner is gone */
    size_t skip = in_have - in_at < left ? in_have - in_at : left;
    in_at += skip;
    left -= skip;
  }
}

/*
 * Waits for the child `pid` (-1: the fork failed) that printed the `kept`
 * bytes of `output` (which has room for one more), and answers "ok" when it
 * exited 0, else "error" and what it printed on one line, or `what` and how
 * it ended when it printed nothing.
 */
static void answer(pid_t pid, char *output, size_t kept, const char *what) {
  int status = 0;
  if (pid > 0)
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    say("ok\n");
    return;
  }
  output[kept] = 0;
  for (size_t i = 0; i < kept; i++)
    if (output[i] == '\n' || output[i] == '\r') output[i] = ' ';
  char line[MAX_OUTPUT + 64];
  if (pid < 0) snprintf(line, sizeof line, "error fork failed\n");
  else if (kept) snprintf(line, sizeof line, "error %s\n", output);
  else snprintf(line, sizeof line, "error %s exited %d\n", what, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  say(line);
}

/*
 * Runs argv with the `len` bytes of `text` on its stdin. Answers "ok" when
 * it exits 0, else "error " and the start of what it printed.
 */
static void run(char *const argv[], const char *text, size_t len) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
    say("error pipe failed\n");
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  char output[MAX_OUTPUT + 1];
  size_t kept = 0, left = len;
  int in_open = 1, out_open = 1;
  /* Writing and reading at once: a child that prints a lot while we still write must not block us both. */
  while (out_open || left > 0) {
    if (in_open && left == 0) {
      close(in[1]);
      in_open = 0;
    }
    if (!in_open && left > 0) {
      /* It stopped reading (it exited, or fork failed). */
      left = 0;
      continue;
    }
    struct pollfd p[2] = {{out_open ? out[0] : -1, POLLIN, 0}, {in_open ? in[1] : -1, POLLOUT, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      _exit(1);
    }
    if (p[0].revents) {
      char chunk[4096];
      ssize_t n = read(out[0], chunk, sizeof chunk);
      if (n == 0 || (n < 0 && errno != EINTR)) out_open = 0;
      else if (n > 0) {
        size_t take = (size_t)n < MAX_OUTPUT - kept ? (size_t)n : MAX_OUTPUT - kept;
        memcpy(output + kept, chunk, take);
        kept += take;
      }
    }
    if (p[1].revents) {
      ssize_t n = write(in[1], text + (len - left), left);
      if (n > 0) {
        left -= (size_t)n;
      } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
        close(in[1]);
        in_open = 0;
      }
    }
  }
  if (in_open) close(in[1]);
  close(out[0]);
  answer(pid, output, kept, argv[0]);
}

/* How long `reset` waits for the last check's processes to be gone (their exit is reaped a moment after the runner saw it). */
#define RESET_WAIT_MS 500
/* The most sockets one `reset` destroys; more than this is not what a check leaves, so it is an error. */
#define MAX_LEFT_SOCKETS 1024

/* Whether the session's pid namespace holds nothing but its pid 1 (bubblewrap's) and this holder. */
static int session_idle(void) {
  DIR *d = opendir("/proc");
  if (!d) return 0;
  int idle = 1;
  pid_t self = getpid();
  struct dirent *e;
  while (idle && (e = readdir(d))) {
    long pid = number(e->d_name, 1L << 30);
    if (pid > 0 && pid != 1 && pid != self) idle = 0;
  }
  closedir(d);
  return idle;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *at) {
  (void)st;
  (void)flag;
  return at->level == 0 ? 0 : remove(path); /* the mount point itself stays */
}

/* Empties the session's writable mounts in a child with no capability at all (as tar writes): 0 once done. */
static int empty_mounts(void) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct none[2] = {{0}};
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 || syscall(SYS_capset, &head, none) < 0) _exit(1);
    const char *mounts[] = {"/work", "/tmp", "/dev/shm"};
    /* Not following symlinks, not leaving the mount: a folder it cannot empty (a program took its write bit) fails the reset. */
    for (int i = 0; i < 3; i++)
      if (nftw(mounts[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0) _exit(1);
    _exit(0);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The largest archive `files` takes: more than a session's /work holds (limits.ts sandboxWorkBytes) is never written. */
#define MAX_ARCHIVE (64L << 20)
#define BLOCK 512

/* Reads the next `len` bytes of stdin into `to`; 0 when the runner is gone first. */
static int read_input(char *to, size_t len) {
  while (len > 0) {
    if (!fill()) return 0;
    size_t take = in_have - in_at < len ? in_have - in_at : len;
    memcpy(to, in_buf + in_at, take);
    in_at += take;
    to += take;
    len -= take;
  }
  return 1;
}

/* An octal field of a ustar header; -1 when it is not one. */
static long long octal(const unsigned char *field, size_t len) {
  long long v = 0;
  size_t i = 0;
  while (i < len && field[i] == ' ') i++;
  size_t digits = 0;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; i++, digits++) {
    if (v > (1LL << 40)) return -1;
    v = v * 8 + (field[i] - '0');
  }
  for (; i < len; i++)
    if (field[i] != ' ' && field[i] != 0) return -1;
  return digits ? v : -1;
}

static int remove_any(const char *path, const struct stat *st, int flag, struct FTW *at) {
  (void)st;
  (void)flag;
  (void)at;
  return remove(path);
}

/*
 * Opens the folder `name` of `dir`, made when missing; what a program left
 * there instead (a file, a symlink) is removed and replaced, never
 * followed. -1 with errno.
 */
static int open_folder(int dir, const char *name) {
  int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0 || (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)) return fd;
  if (errno != ENOENT && unlinkat(dir, name, 0) < 0) return -1;
  if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST) return -1;
  return openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/*
 * Writes the regular files and folders of a ustar archive under /work, as
 * `tar -x --overwrite --recursive-unlink` did: a file replaces whatever was
 * at its name (a folder with all in it, a symlink: removed, not followed),
 * and no symlink on the way to it is followed either (a folder's symlink
 * is replaced by a folder). Names were checked by the runner; a name that
 * would leave /work (absolute, "..") is refused all the same. 0, or -1 with
 * `why` saying what failed.
 */
static int write_archive(const char *archive, size_t len, char *why, size_t why_size) {
  int work = open("/work", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (work < 0) {
    snprintf(why, why_size, "/work: %s", strerror(errno));
    return -1;
  }
  for (size_t at = 0; at + BLOCK <= len;) {
    const unsigned char *h = (const unsigned char *)archive + at;
    int end = 1;
    for (size_t i = 0; i < BLOCK && end; i++) end = h[i] == 0;
    if (end) return 0;
    unsigned long sum = 0;
    for (size_t i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? ' ' : h[i];
    long long size = octal(h + 124, 12);
    if (memcmp(h + 257, "ustar", 5) != 0 || octal(h + 148, 8) != (long long)sum || size < 0 || (size_t)size > len - at - BLOCK) {
      snprintf(why, why_size, "not a whole ustar archive");
      return -1;
    }
    char name[256 + 2] = "";
    size_t prefix = strnlen((const char *)h + 345, 155);
    if (prefix) {
      memcpy(name, h + 345, prefix);
      name[prefix++] = '/';
    }
    memcpy(name + prefix, h, strnlen((const char *)h, 100));
    char type = (char)h[156];
    if (type != '0' && type != 0 && type != '5') {
      snprintf(why, why_size, "%s: neither a file nor a folder", name);
      return -1;
    }
    /* Folder by folder from /work, none of them a symlink followed. */
    int dir = dup(work);
    char *part = name;
    for (;;) {
      char *slash = strchr(part, '/');
      if (slash) *slash = 0;
      if (*part == 0 || strcmp(part, ".") == 0 || strcmp(part, "..") == 0) {
        if (!slash && *part == 0 && type == '5' && part != name) break; /* a folder's name may end in "/" */
        snprintf(why, why_size, "%s: not a name inside the work dir", name);
        return -1;
      }
      if (!slash) break;
      int next = dir < 0 ? -1 : open_folder(dir, part);
      if (next < 0) {
        *slash = '/';
        snprintf(why, why_size, "%s: %s", name, strerror(errno));
        return -1;
      }
      close(dir);
      dir = next;
      *slash = '/';
      part = slash + 1;
    }
    if (dir < 0) {
      snprintf(why, why_size, "%s: %s", name, strerror(errno));
      return -1;
    }
    if (type == '5') {
      int fd = *part ? open_folder(dir, part) : dup(dir);
      if (fd < 0) {
        snprintf(why, why_size, "%s: %s", name, strerror(errno));
        return -1;
      }
      close(fd);
    } else {
      /* Whatever is there goes (a folder with everything in it; nftw does not follow symlinks with FTW_PHYS). */
      if (unlinkat(dir, part, 0) < 0 && errno != ENOENT) {
        char path[300];
        snprintf(path, sizeof path, "/work/%s", name);
        if (errno != EISDIR || nftw(path, remove_any, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0) {
          snprintf(why, why_size, "%s: %s", name, strerror(errno));
          return -1;
        }
      }
      int fd = openat(dir, part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      const char *body = archive + at + BLOCK;
      size_t left = (size_t)size;
      while (fd >= 0 && left > 0) {
        ssize_t n = write(fd, body, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        body += n;
        left -= (size_t)n;
      }
      if (fd < 0 || left > 0 || close(fd) < 0) {
        snprintf(why, why_size, "%s: %s", name, left > 0 && errno == 0 ? "short write" : strerror(errno));
        return -1;
      }
    }
    close(dir);
    at += BLOCK + ((size_t)size + BLOCK - 1) / BLOCK * BLOCK;
  }
  return 0;
}

/*
 * `files <bytes>`: reads the archive, then writes it in a child with no
 * capability at all, like a program of the session (the holder's own root
 * is read-only besides): one fork, no exec. Answers "ok" or "error" and
 * what failed.
 */
static void write_files(long bytes) {
  if (bytes < 0 || bytes > MAX_ARCHIVE) {
    if (bytes > 0) skip_input((size_t)bytes);
    say(bytes < 0 ? "error bad archive size\n" : "error the files are too large\n");
    return;
  }
  char *archive = malloc((size_t)bytes + 1);
  if (!archive) {
    skip_input((size_t)bytes);
    say("error out of memory\n");
    return;
  }
  if (!read_input(archive, (size_t)bytes)) _exit(0); /* the runner is gone mid-archive */
  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0) {
    free(archive);
    say("error pipe failed\n");
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(out[0]);
    char why[MAX_OUTPUT] = "";
    struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct none[2] = {{0}};
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 || syscall(SYS_capset, &head, none) < 0)
      snprintf(why, sizeof why, "dropping capabilities: %s", strerror(errno));
    else if (write_archive(archive, (size_t)bytes, why, sizeof why) == 0)
      _exit(0);
    if (write(out[1], why, strlen(why)) < 0) _exit(1);
    _exit(1);
  }
  free(archive);
  close(out[1]);
  char why[MAX_OUTPUT + 1];
  size_t kept = 0;
  for (;;) {
    ssize_t n = pid > 0 ? read(out[0], why + kept, MAX_OUTPUT - kept) : 0;
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    kept += (size_t)n;
    if (kept == MAX_OUTPUT) break;
  }
  close(out[0]);
  answer(pid, why, kept, "writing the files");
}

/* Sends one netlink request; 0 when sent. */
static int nl_send(int fd, void *msg, size_t len) {
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  return sendto(fd, msg, len, 0, (struct sockaddr *)&kernel, sizeof kernel) == (ssize_t)len ? 0 : -1;
}

/*
 * Asks sock_diag on `fd` for a dump of the sockets of `family` and
 * `protocol` in `states` (a bit per TCP state), from local port `sport`
 * (0: any), with the extensions `ext` asks for (a bit per INET_DIAG_*
 * attribute). Family 0 is TCP of both families in one request (the older
 * TCPDIAG_GETSOCK, which takes no extensions). 0, or -1 with errno.
 */
static int diag_dump_request(int fd, int family, int protocol, unsigned states, long sport, unsigned char ext) {
  struct {
    struct nlmsghdr nlh;
    union {
      struct inet_diag_req_v2 v2;
      struct inet_diag_req both;
    } req;
  } msg = {0};
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  if (family == 0) {
    msg.nlh.nlmsg_len = NLMSG_LENGTH(sizeof msg.req.both);
    msg.nlh.nlmsg_type = TCPDIAG_GETSOCK;
    msg.req.both.idiag_states = states;
    msg.req.both.id.idiag_sport = htons((unsigned short)sport);
  } else {
    msg.nlh.nlmsg_len = NLMSG_LENGTH(sizeof msg.req.v2);
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.req.v2.sdiag_family = (unsigned char)family;
    msg.req.v2.sdiag_protocol = (unsigned char)protocol;
    msg.req.v2.idiag_states = states;
    msg.req.v2.idiag_ext = ext;
    msg.req.v2.id.idiag_sport = htons((unsigned short)sport);
  }
  return nl_send(fd, &msg, msg.nlh.nlmsg_len);
}

/* The kernel's answer to a request sent with NLM_F_ACK: 0, or -1 with errno. */
static int nl_ack(int fd) {
  static char buf[8192];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_ERROR) {
        int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
        if (err) errno = -err;
        return err ? -1 : 0;
      }
    }
  }
}

/* A socket a dump found: its family and identity, enough to destroy it. */
struct found_socket {
  unsigned char family;
  struct inet_diag_sockid id;
};

/*
 * Dumps the sockets of `protocol` in the session's network namespace in
 * `states` (a bit per TCP state), calling `visit` with each (and `ctx`) until it says
 * it has enough (non-zero); `ext` asks for extensions
 * (a bit per INET_DIAG_* attribute; not for `family` 0). Their count, or -1
 * with errno. `family` 0 asks for IPv4 and IPv6 TCP sockets in one walk
 * (the older TCPDIAG_GETSOCK request): the kernel makes a TCP dump by
 * walking the machine's whole connection table, about a millisecond each.
 */
static int dump_sockets(int family, int protocol, unsigned states, unsigned char ext, int (*visit)(const struct nlmsghdr *, const struct inet_diag_msg *, void *), void *ctx) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return -1;
  if (diag_dump_request(fd, family, protocol, states, 0, ext) < 0) {
    close(fd);
    return -1;
  }
  static char buf[16384];
  int count = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        close(fd);
        return count;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
        close(fd);
        errno = err ? -err : EIO;
        return -1;
      }
      count++;
      /* Enough (more than the caller takes): the socket's close ends the kernel's walk, not the rest of a student's thousands. */
      if (visit(h, NLMSG_DATA(h), ctx)) {
        close(fd);
        return count;
      }
    }
  }
  close(fd);
  errno = EIO;
  return -1;
}

/* Sockets a dump found, enough to destroy each (at most `max` kept). */
struct found_sockets {
  struct found_socket *at;
  int max;
  int count;
};

static int keep_found(const struct nlmsghdr *h, const struct inet_diag_msg *d, void *ctx) {
  (void)h;
  struct found_sockets *f = ctx;
  if (f->count < f->max) f->at[f->count] = (struct found_socket){d->idiag_family, d->id};
  return ++f->count > f->max;
}

/* The sockets of `protocol` into found (at most `max`): their count, or -1 with errno (dump_sockets). */
static int find_sockets(int family, int protocol, struct found_socket *found, int max) {
  struct found_sockets f = {found, max, 0};
  return dump_sockets(family, protocol, ~0u, 0, keep_found, &f);
}

/*
 * Destroys one socket (SOCK_DESTROY: a TIME_WAIT end goes, any other is
 * aborted): 0, 1 when it was not there as dumped (gone, or changed state:
 * look again), or -1 with errno.
 */
static int destroy_socket(int family, int protocol, const struct inet_diag_sockid *id) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return -1;
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
  } msg = {0};
  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = SOCK_DESTROY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  msg.req.sdiag_family = (unsigned char)family;
  msg.req.sdiag_protocol = (unsigned char)protocol;
  msg.req.idiag_states = ~0u;
  msg.req.id = *id;
  int r = nl_send(fd, &msg, sizeof msg) < 0 ? -1 : nl_ack(fd);
  int e = errno;
  close(fd);
  errno = e;
  return r < 0 && (errno == ENOENT || errno == ESTALE) ? 1 : r;
}

/*
 * Whether 127.0.0.1 reaches a socket sock_diag described: 2 for an IPv4
 * socket, or an IPv6 one that takes IPv4 too (not IPV6_V6ONLY, on :: or an
 * IPv4-mapped address); 1 for an IPv6 socket it cannot reach.
 */
static int reach_of(const struct nlmsghdr *h, const struct inet_diag_msg *d) {
  if (d->idiag_family != AF_INET6) return 2;
  int v6only = -1;
  int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof *d);
  for (const struct rtattr *a = (const struct rtattr *)(d + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == INET_DIAG_SKV6ONLY) v6only = *(const unsigned char *)RTA_DATA(a);
  }
  if (v6only < 0) return 2; /* not said (a kernel without IPv6 attributes): taken as reachable */
  if (v6only) return 1;
  const unsigned int *src = d->id.idiag_src;
  int any = !src[0] && !src[1] && !src[2] && !src[3];
  int mapped = !src[0] && !src[1] && src[2] == htonl(0xffff);
  return any || mapped ? 2 : 1;
}

/*
 * Whether a socket in this network namespace listens on (TCP) or is bound
 * to (UDP) `port`: 2 where 127.0.0.1 reaches it, 1 where only IPv6 does, 0
 * when nothing is, or -1 with errno. `family` is AF_INET or AF_INET6,
 * or 0 for TCP: both families in one dump (the old TCPDIAG_GETSOCK request,
 * one walk of the kernel's listening table instead of one per family). `fd`
 * is a NETLINK_SOCK_DIAG socket. Asked through sock_diag rather than
 * /proc/net/tcp because the kernel makes /proc/net/tcp (and tcp6) by
 * walking the machine's whole established-connections table (262,144
 * buckets here: 1-4 ms of CPU a read, each), and a Run looks every 10 ms
 * while its server starts, on the same cores; a dump of listening sockets
 * alone skips that table.
 */
static int bound_in(int fd, int family, int protocol, long port) {
  /* UDP: every state (bound alone is 7, CLOSE; connected 1). TCP: LISTEN only. */
  if (diag_dump_request(fd, family, protocol, protocol == IPPROTO_TCP ? 1u << TCP_LISTEN : ~0u, port, 0) < 0) return -1;
  static char buf[16384];
  int found = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return -1;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) return found;
      if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *err = NLMSG_DATA(h);
        errno = err->error ? -err->error : EIO;
        return -1;
      }
      struct inet_diag_msg *d = NLMSG_DATA(h);
      /* Older kernels may ignore the port in the request: check it here too. */
      if (ntohs(d->id.idiag_sport) == port) {
        int reach = reach_of(h, d);
        if (reach > found) found = reach;
      }
    }
  }
}

/* One look: whether `port` is bound in either family (2, 1 or 0 as bound_in, or -1 with errno). */
static int bound_now(int fd, int protocol, long port) {
  if (protocol == IPPROTO_TCP) return bound_in(fd, 0, protocol, port);
  int v4 = bound_in(fd, AF_INET, protocol, port);
  if (v4 != 0) return v4;
  int v6 = bound_in(fd, AF_INET6, protocol, port);
  /* No IPv6 in the kernel: only IPv4 can be bound. */
  return v6 < 0 && errno == EAFNOSUPPORT ? 0 : v6;
}

/* How often a `bound` command with WAITMS looks again, and the longest WAITMS. */
#define BOUND_POLL_MS 10
#define BOUND_WAIT_MAX_MS 1000

static long monotonic_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* The `bound` command: looks (bound_now) until 127.0.0.1 reaches the port or WAITMS passed, answered "ok 2", "ok 1" or "ok 0". */
static void answer_bound(const char *args) {
  char protocol[8];
  long port = -1, wait_ms = 0;
  char extra;
  int n = sscanf(args, "%7s %ld %ld %c", protocol, &port, &wait_ms, &extra);
  if ((n != 2 && n != 3) || port < 1 || port > 65535 || wait_ms < 0 || wait_ms > BOUND_WAIT_MAX_MS || (strcmp(protocol, "tcp") != 0 && strcmp(protocol, "udp") != 0)) {
    say("error usage: bound tcp|udp PORT [WAITMS]\n");
    return;
  }
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  int proto = strcmp(protocol, "tcp") == 0 ? IPPROTO_TCP : IPPROTO_UDP;
  long deadline = monotonic_ms() + wait_ms;
  int bound = fd < 0 ? -1 : bound_now(fd, proto, port);
  while (bound >= 0 && bound < 2 && monotonic_ms() < deadline) {
    struct timespec pause = { 0, BOUND_POLL_MS * 1000000L };
    while (nanosleep(&pause, &pause) < 0 && errno == EINTR) {
    }
    bound = bound_now(fd, proto, port);
  }
  int e = errno;
  if (fd >= 0) close(fd);
  char line[128];
  if (bound < 0) snprintf(line, sizeof line, "error sock_diag: %s\n", strerror(e));
  else snprintf(line, sizeof line, "ok %d\n", bound);
  say(line);
}

/*
 * The most sockets a `sockets` answer lists: a session holding more is
 * answered "error too many sockets", and the runner reads /proc's table.
 */
#define MAX_LISTED_SOCKETS 1024
/* The longest entry of one socket in that answer (an IPv6 one comes to 122 characters). */
#define LISTED_SOCKET_CHARS 128
/*
 * The state bit (Linux 6.8's TCP_BOUND_INACTIVE, not in the headers) asking
 * sock_diag for TCP sockets bound and neither listening nor connected
 * (bind() without listen()): /proc/net/tcp has no line for them, so neither
 * has the `sockets` answer.
 */
#define TCP_BOUND_INACTIVE 13

/* The `sockets` answer as it is written. */
struct listing {
  char *at;
  char *end;
  int count;
  int protocol;
};

/* An address as /proc/net/tcp (tcp6) writes it: its 32-bit words in hex, as this machine holds them. */
static void hex_address(char *out, size_t size, unsigned char family, const __be32 *words) {
  if (family == AF_INET) snprintf(out, size, "%08X", (unsigned)words[0]);
  else snprintf(out, size, "%08X%08X%08X%08X", (unsigned)words[0], (unsigned)words[1], (unsigned)words[2], (unsigned)words[3]);
}

/* Appends one socket: "t4 LOCAL:PORT REMOTE:PORT ST TX:RX INODE DROPS", /proc/net's columns (and its hex) for each. */
static int list_socket(const struct nlmsghdr *h, const struct inet_diag_msg *d, void *ctx) {
  struct listing *l = ctx;
  if (++l->count > MAX_LISTED_SOCKETS) return 1;
  unsigned drops = 0;
  int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof *d);
  for (const struct rtattr *a = (const struct rtattr *)(d + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == INET_DIAG_SKMEMINFO && RTA_PAYLOAD(a) >= sizeof(__u32) * (SK_MEMINFO_DROPS + 1)) drops = ((const __u32 *)RTA_DATA(a))[SK_MEMINFO_DROPS];
  }
  char local[33], remote[33];
  hex_address(local, sizeof local, d->idiag_family, d->id.idiag_src);
  hex_address(remote, sizeof remote, d->idiag_family, d->id.idiag_dst);
  /* A listening socket's wqueue is the bound of its backlog; /proc/net/tcp says 0 to send, as for any socket with nothing to. */
  unsigned send = l->protocol == IPPROTO_TCP && d->idiag_state == TCP_LISTEN ? 0 : d->idiag_wqueue;
  int n = snprintf(l->at, (size_t)(l->end - l->at), "%s%c%d %s:%04X %s:%04X %02X %08X:%08X %u %u", l->count > 1 ? "," : "", l->protocol == IPPROTO_TCP ? 't' : 'u', d->idiag_family == AF_INET6 ? 6 : 4, local, ntohs(d->id.idiag_sport), remote, ntohs(d->id.idiag_dport), d->idiag_state, send, d->idiag_rqueue, d->idiag_inode, drops);
  if (n > 0 && n < l->end - l->at) l->at += n;
  return 0;
}

/*
 * The `sockets` command: every TCP and UDP socket of the session's network
 * namespace, in one line ("ok " and the entries, comma-separated), read
 * through sock_diag: one walk of the machine's TCP table for both families
 * (about 1 ms here), where reading /proc/net/tcp and tcp6 walks it twice
 * per file (9 ms), several times a second while the inspector watches and
 * at each look of a grader's wait.
 */
static void answer_sockets(void) {
  static char text[3 + MAX_LISTED_SOCKETS * LISTED_SOCKET_CHARS + 2];
  struct listing l = {text + 3, text + sizeof text - 2, 0, IPPROTO_TCP};
  memcpy(text, "ok ", 3);
  int tcp = dump_sockets(0, IPPROTO_TCP, ~(1u << TCP_BOUND_INACTIVE), 0, list_socket, &l);
  if (l.count > MAX_LISTED_SOCKETS) {
    say("error too many sockets\n");
    return;
  }
  l.protocol = IPPROTO_UDP;
  unsigned char memory = 1 << (INET_DIAG_SKMEMINFO - 1);
  int udp4 = tcp < 0 ? -1 : dump_sockets(AF_INET, IPPROTO_UDP, ~0u, memory, list_socket, &l);
  int udp6 = udp4 < 0 ? -1 : dump_sockets(AF_INET6, IPPROTO_UDP, ~0u, memory, list_socket, &l);
  /* No IPv6 in the kernel: no IPv6 socket either. */
  if (udp6 < 0 && udp4 >= 0 && errno == EAFNOSUPPORT) udp6 = 0;
  if (tcp < 0 || udp4 < 0 || udp6 < 0) {
    char line[128];
    snprintf(line, sizeof line, "error sock_diag: %s\n", strerror(errno));
    say(line);
    return;
  }
  if (l.count > MAX_LISTED_SOCKETS) {
    say("error too many sockets\n");
    return;
  }
  memcpy(l.at, "\n", 2);
  say(text);
}

/* The `reset` command; see the top of this file. */
static void reset_session(void) {
  for (int waited = 0; !session_idle(); waited += 5) {
    if (waited >= RESET_WAIT_MS) {
      say("error a process of the last check is still running\n");
      return;
    }
    usleep(5000);
  }
  if (empty_mounts() < 0) {
    say("error the work folders could not be emptied\n");
    return;
  }
  /*
   * TCP: every socket the last check left goes (no process is left to hold
   * one). One that changed between the dump and its destroy (a closing end
   * that became TIME_WAIT) is looked for again; UDP: none may be left.
   */
  static struct found_socket found[MAX_LEFT_SOCKETS];
  int changed = 1;
  for (int pass = 0; changed && pass < 3; pass++) {
    int n = find_sockets(0, IPPROTO_TCP, found, MAX_LEFT_SOCKETS);
    if (n < 0 || n > MAX_LEFT_SOCKETS) {
      say("error the sockets could not be listed\n");
      return;
    }
    changed = 0;
    for (int i = 0; i < n; i++) {
      int r = destroy_socket(found[i].family, IPPROTO_TCP, &found[i].id);
      if (r < 0) {
        char line[128];
        snprintf(line, sizeof line, "error a socket could not be destroyed: %s\n", strerror(errno));
        say(line);
        return;
      }
      changed |= r;
    }
  }
  if (changed) {
    say("error a socket of the last check is still open\n");
    return;
  }
  if (!metrics_unsaved) {
    say("error the kernel keeps TCP metrics here\n");
    return;
  }
  int left[2] = {find_sockets(AF_INET, IPPROTO_UDP, found, MAX_LEFT_SOCKETS), find_sockets(AF_INET6, IPPROTO_UDP, found, MAX_LEFT_SOCKETS)};
  for (int i = 0; i < 2; i++) {
    if (left[i] != 0) {
      say(left[i] < 0 ? "error the sockets could not be listed\n" : "error a socket of the last check is still open\n");
      return;
    }
  }
  say("ok\n");
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: socklab-holder INODES MAX_TCP_BUFFER PTYS\n");
    return 2;
  }
  long inodes = number(argv[1], 1L << 30), buffer = number(argv[2], 1L << 30), ptys = number(argv[3], 1L << 20);
  if (inodes < 0 || buffer < 0 || ptys < 0) {
    fprintf(stderr, "socklab-holder: INODES, MAX_TCP_BUFFER and PTYS are whole numbers\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  const char *mounts[] = {"/work", "/tmp", "/dev/shm"};
  for (int i = 0; i < 3; i++) {
    if (bound_inodes(mounts[i], inodes) < 0) {
      fprintf(stderr, "socklab-holder: bounding the inodes of %s: %s\n", mounts[i], strerror(errno));
      return 1;
    }
  }
  char options[128];
  snprintf(options, sizeof options, "newinstance,ptmxmode=0666,mode=0620,max=%ld", ptys);
  if (mount("devpts", "/dev/pts", "devpts", 0, options) < 0) {
    fprintf(stderr, "socklab-holder: mounting the session's devpts: %s\n", strerror(errno));
    return 1;
  }
  char rmem[96], wmem[96];
  snprintf(rmem, sizeof rmem, "4096 %ld %ld\n", buffer < 131072 ? buffer : 131072, buffer);
  snprintf(wmem, sizeof wmem, "4096 %ld %ld\n", buffer < 16384 ? buffer : 16384, buffer);
  if (write_file("/.socklab/net/ipv4/tcp_rmem", rmem) < 0 || write_file("/.socklab/net/ipv4/tcp_wmem", wmem) < 0)
    say("warning socket buffers unbounded: /proc/sys/net is not writable\n");
  metrics_unsaved = write_file("/.socklab/net/ipv4/tcp_no_metrics_save", "1\n") == 0;
  /* The bounds are set: nothing in the session may write the network's sysctls again (a student's code that
     got into this process or its nft must not lift them), so the view goes read-only, its other flags kept. */
  unsigned long net = flags_of("/.socklab/net");
  if (net == (unsigned long)-1 || mount(NULL, "/.socklab/net", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | net, NULL) < 0) {
    fprintf(stderr, "socklab-holder: making /.socklab/net read-only: %s\n", strerror(errno));
    return 1;
  }
  /* Privileges go before "ready": the runner starts programs as soon as it reads it. */
  drop_sys_admin();
  say("ready\n");
  static char line[MAX_LINE];
  while (read_line(line, sizeof line)) {
    if (strncmp(line, "nft ", 4) == 0) {
      char *nft[] = {"nft", "-f", "-", NULL};
      char *script = line + 4;
      size_t len = strlen(script);
      script[len] = '\n'; /* nft reads one line: the line itself, its newline back */
      run(nft, script, len + 1);
    } else if (strncmp(line, "files ", 6) == 0) {
      write_files(number(line + 6, 1L << 40));
    } else if (strncmp(line, "bound ", 6) == 0) {
      answer_bound(line + 6);
    } else if (strcmp(line, "sockets") == 0) {
      answer_sockets();
    } else if (strcmp(line, "reset") == 0) {
      reset_session();
    } else {
      say("error unknown command\n");
    }
  }
  return 0;
}
