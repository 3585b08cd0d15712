/**
 * The runner's class-data-sharing archive of the JDK: the classes a Java
 * program and the source launcher (`java Server.java` compiles in memory)
 * load, parsed once and mapped by every later JVM, which then starts in
 * about half the time. It is made by the runner from a program of its own
 * (never a student's), kept per user and JDK in a folder only the runner can
 * write, whose folder each sandbox binds read-only (JAVA_ARCHIVE_PATH).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JAVA_FLAGS } from '../languages.ts';
import { leaveRunnerGroup } from './cgroups.ts';
import { ownedFolder } from './runtime.ts';

/** How long making the archive may take (a JVM run, on a busy machine). */
const BUILD_TIMEOUT_MS = 60_000;

/**
 * What the archive is made from: a server and a client over TCP and UDP,
 * threads, readers and writers, formatting, the classes lab programs load
 * before they serve. Classes it does not load are read from the JDK as usual.
 */
const WARMUP_PROGRAM = `import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;

public class Warmup {
    public static void main(String[] args) throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Future<String> served = pool.submit(() -> {
                try (Socket s = server.accept();
                     BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                     PrintWriter out = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8), true)) {
                    String line = in.readLine();
                    out.println(line.toUpperCase());
                    return line;
                }
            });
            try (Socket c = new Socket("localhost", server.getLocalPort());
                 BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(c.getOutputStream(), true)) {
                out.println("warm up");
                System.out.println(String.format("%s %d", in.readLine(), served.get().length()));
            }
        }
        try (DatagramSocket a = new DatagramSocket(0, InetAddress.getByName("127.0.0.1")); DatagramSocket b = new DatagramSocket()) {
            byte[] data = "ping".getBytes(StandardCharsets.UTF_8);
            b.send(new DatagramPacket(data, data.length, InetAddress.getByName("127.0.0.1"), a.getLocalPort()));
            DatagramPacket p = new DatagramPacket(new byte[64], 64);
            a.setSoTimeout(2000);
            a.receive(p);
            System.out.println(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
        }
        List<String> names = Collections.synchronizedList(new ArrayList<>());
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        Thread t = new Thread(() -> { names.add("x"); counts.merge("x", 1, Integer::sum); });
        t.start();
        t.join();
        Scanner scanner = new Scanner("a b\\n");
        System.out.println(scanner.nextLine().split(" ").length + names.size() + counts.size());
        pool.shutdown();
    }
}
`;

const ARCHIVE_NAME = 'java.jsa';

let making: Promise<string | null> | null = null;
let folder: { dir: string } | null | undefined;

/**
 * The folder that holds (or will hold) the archive of this JDK, made if
 * missing: each sandbox binds it read-only, so an archive made after the
 * sandbox started is there too. Null where there is no Java.
 */
export function javaArchiveDir(): string | null {
  if (folder === undefined) folder = findFolder();
  return folder?.dir ?? null;
}

function findFolder(): { dir: string } | null {
  const java = findJava();
  if (!java) return null;
  const uid = process.getuid?.() ?? 0;
  const top = join(tmpdir(), `socklab-java-${uid}`);
  // Another JDK (or other flags) needs another archive: the name says which.
  const st = statSync(java);
  const key = createHash('sha256').update(`${java}\0${st.size}\0${st.mtimeMs}\0${JAVA_FLAGS.join(' ')}`).digest('hex').slice(0, 16);
  const dir = join(top, key);
  for (const d of [top, dir]) {
    if (!existsSync(d)) mkdirSync(d, { mode: 0o755 });
    chmodSync(d, 0o755);
    if (!ownedFolder(d, uid)) throw new Error(`socklab: ${d} exists but is not a folder of this user only; remove it`);
  }
  return { dir };
}

/**
 * Makes the archive once per JDK (a runner finds the one made before);
 * resolves to its host path, or null where there is no Java or the JDK
 * cannot make one: Java programs then start as they would without it.
 */
export function prepareJavaArchive(): Promise<string | null> {
  let dir: string | null;
  try {
    dir = javaArchiveDir();
  } catch {
    return Promise.resolve(null);
  }
  if (!dir) return Promise.resolve(null);
  const path = join(dir, ARCHIVE_NAME);
  if (existsSync(path)) return Promise.resolve(path);
  making ??= build(dir, path).catch(() => null).finally(() => {
    making = null;
  });
  return making;
}

async function build(dir: string, path: string): Promise<string | null> {
  const staging = mkdtempSync(join(dir, 'staging-'));
  try {
    writeFileSync(join(staging, 'Warmup.java'), WARMUP_PROGRAM);
    const made = join(staging, ARCHIVE_NAME);
    await run(findJava()!, [...JAVA_FLAGS, `-XX:ArchiveClassesAtExit=${made}`, 'Warmup.java'], staging);
    if (!existsSync(made)) return null;
    chmodSync(made, 0o444);
    renameSync(made, path);
    return path;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The real path of the `java` a sandbox runs (the first on the sandbox's PATH), or null. */
export function findJava(): string | null {
  for (const dir of ['/usr/local/bin', '/usr/bin', '/bin']) {
    const candidate = join(dir, 'java');
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  return null;
}

/** Runs a JDK tool of the runner's own (never on a student's file) to its end; rejects unless it exits 0. */
export function run(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, stdio: 'ignore' });
    // A JDK tool works for seconds: it must not take the runner's weight.
    leaveRunnerGroup(child.pid);
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`java exited with ${code} while making the class-data archive`));
    });
  });
}
