// Compiles the sandbox launcher (runner/sandbox/launch.c), the wire view's
// packet reader (runner/sandbox/capture.c), the socket agent
// (runner/sandbox/agent.c), the session holder (runner/sandbox/holder.c),
// the session joiner (runner/sandbox/join.c), the program starter
// (runner/sandbox/forker.c) and the receive-timeout reader
// (runner/sandbox/rcvtimeo.c). Run by
// `npm install` (postinstall) and, if the binary is missing or older than its
// source, by the runner before it starts the first sandbox.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Path of the compiled launcher binary. */
export const launcherPath = join(here, 'bin', 'socklab-launch');
/** Path of the compiled packet reader (the wire view). */
export const capturePath = join(here, 'bin', 'socklab-capture');
/** Path of the compiled socket agent. */
export const agentPath = join(here, 'bin', 'socklab-agent');
/** Path of the compiled session holder. */
export const holderPath = join(here, 'bin', 'socklab-holder');
/** Path of the compiled session joiner. */
export const joinPath = join(here, 'bin', 'socklab-join');

/** Path of the compiled program starter (the runner's own, never in a sandbox). */
export const forkerPath = join(here, 'bin', 'socklab-forker');

/** Path of the compiled receive-timeout reader (the runner's own, never in a sandbox). */
export const rcvtimeoPath = join(here, 'bin', 'socklab-rcvtimeo');

/** This file: a binary older than it was built with other flags, and is built again. */
const thisFile = fileURLToPath(import.meta.url);

/**
 * Compiles `source` to `binary` when the binary is missing or older than
 * its source or this file; returns its path. Linked statically where the C
 * library allows it (glibc's libc.a, Debian's libc6-dev): every program
 * start execs the joiner and the launcher, and a dynamic binary's loader
 * (mapping and relocating libc) cost 1-3 ms of CPU per exec here, about a
 * tenth of a start's own cost; without a static C library it links
 * dynamically, as before.
 */
function ensureBuilt(source, binary, what, flags = []) {
  if (existsSync(binary) && statSync(binary).mtimeMs >= Math.max(statSync(source).mtimeMs, statSync(thisFile).mtimeMs)) {
    return binary;
  }
  mkdirSync(dirname(binary), { recursive: true });
  const cc = process.env.CC || 'cc';
  const args = ['-O2', '-Wall', '-Werror', ...flags, '-o', binary, source];
  try {
    execFileSync(cc, [...args, '-static'], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync(cc, args, { stdio: 'inherit' });
    } catch (err) {
      throw new Error(`socklab: could not compile the ${what} with ${cc} (${err.message}). Install a C compiler (Debian: apt-get install gcc) and run npm install again.`);
    }
  }
  return binary;
}

/** Builds the launcher when it is missing or stale; returns its path. */
export function ensureLauncher() {
  return ensureBuilt(join(here, 'launch.c'), launcherPath, 'sandbox launcher');
}

/** Builds the packet reader when it is missing or stale; returns its path. */
export function ensureCapture() {
  return ensureBuilt(join(here, 'capture.c'), capturePath, 'packet reader');
}

/** Builds the socket agent when it is missing or stale; returns its path. */
export function ensureAgent() {
  return ensureBuilt(join(here, 'agent.c'), agentPath, 'socket agent', ['-pthread']);
}

/** Builds the session holder when it is missing or stale; returns its path. */
export function ensureHolder() {
  return ensureBuilt(join(here, 'holder.c'), holderPath, 'session holder');
}

/** Builds the session joiner when it is missing or stale; returns its path. */
export function ensureJoin() {
  return ensureBuilt(join(here, 'join.c'), joinPath, 'session joiner');
}

/** Builds the program starter when it is missing or stale; returns its path. */
export function ensureForker() {
  return ensureBuilt(join(here, 'forker.c'), forkerPath, 'program starter');
}

/** Builds the receive-timeout reader when it is missing or stale; returns its path. */
export function ensureRcvtimeo() {
  return ensureBuilt(join(here, 'rcvtimeo.c'), rcvtimeoPath, 'receive-timeout reader');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureLauncher();
  ensureCapture();
  ensureAgent();
  ensureHolder();
  ensureJoin();
  ensureForker();
  ensureRcvtimeo();
  console.log(`socklab: built ${launcherPath}, ${capturePath}, ${agentPath}, ${holderPath}, ${joinPath}, ${forkerPath} and ${rcvtimeoPath}`);
}
