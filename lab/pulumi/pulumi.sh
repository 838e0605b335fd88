#!/usr/bin/env bash
# lab/pulumi/pulumi.sh - the Pulumi CLI, its Node.js language host and the resource
# plugins for the kube-ceph lab, built from Go modules (get.pulumi.com, where
# the CLI normally downloads them from, is out of reach).
#
# Usage: lab/pulumi/pulumi.sh build|env|status
#   build   build what is missing (keyed by version + wrapper source hash;
#           skipped when present; binaries are written to a temp name, then mv):
#             $LAB_CACHE/pulumi-<cli>/bin/pulumi
#             $LAB_CACHE/pulumi-<cli>/bin/pulumi-language-nodejs
#             $LAB_CACHE/pulumi-<cli>/bin/pulumi-resource-pulumi-nodejs
#             $PULUMI_HOME/plugins/resource-kubernetes-v<ver>/pulumi-resource-kubernetes
#             $PULUMI_HOME/plugins/resource-command-v1.2.1/pulumi-resource-command
#   env     print export lines: eval "$(lab/pulumi/pulumi.sh env)"
#   status  print what is built; exit 0 only if everything `build` makes exists
#
# What is built from what (see lab/pulumi/README.md):
#   pulumi                  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at the
#                           version in lab/go/pulumi/cli/go.mod
#   pulumi-language-nodejs  lab/go/pulumi/cli/cmd/pulumi-language-nodejs (a
#                           lab-written host: upstream's module is not served)
#   pulumi-resource-pulumi-nodejs
#                           lab/pulumi/pulumi-resource-pulumi-nodejs, copied: the
#                           launcher of @pulumi/pulumi's dynamic-provider host
#                           (kube-ceph's VolumeGuard is a dynamic resource)
#   pulumi-resource-kubernetes
#                           github.com/pulumi/pulumi-kubernetes/provider/v4 at
#                           the pseudo-version in lab/go/pulumi/kubernetes/go.mod,
#                           installed as plugin version $KUBE_CEPH_LAB_PULUMI_K8S_VERSION
#   pulumi-resource-command lab/go/pulumi/command, a lab-written stand-in for
#                           command v1.2.1 (command:remote:Command over real SSH;
#                           github.com/pulumi/pulumi-command/provider is served
#                           at no version), installed as plugin version 1.2.1
#
# Environment:
#   KUBE_CEPH_LAB_HOME              lab home (default /var/tmp/kube-ceph-lab)
#   KUBE_CEPH_LAB_CACHE             built tools, $LAB_CACHE (default $KUBE_CEPH_LAB_HOME/cache);
#                                   PULUMI_HOME is $LAB_CACHE/pulumi-home
#   KUBE_CEPH_LAB_PULUMI_K8S_VERSION
#                                   plugin version the kubernetes provider is
#                                   installed and reports as (default 4.25.0,
#                                   the release the served source belongs to)
set -euo pipefail

LOG_TAG=pulumi.sh
# lib.sh is shared by every lab script, so it sits one level up, in lab/.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The Go modules live in lab/go, beside this script's folder: the lab's systems share them.
LAB_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
GO_DIR="$LAB_DIR/go/pulumi"
CLI_MOD_DIR="$GO_DIR/cli"
K8S_MOD_DIR="$GO_DIR/kubernetes"
CMD_MOD_DIR="$GO_DIR/command"

BUILD_LOCK_FILE="$LAB_CACHE/pulumi-build.lock"
PULUMI_HOME_DIR="$LAB_CACHE/pulumi-home"
STAMP_DIR="$LAB_CACHE/pulumi-stamps"

use_local_go

CLI_VERSION="$(modver "$CLI_MOD_DIR/go.mod" github.com/pulumi/pulumi/pkg/v3)"
CLI_VERSION="${CLI_VERSION#v}"
[[ -n "$CLI_VERSION" ]] || die "no github.com/pulumi/pulumi/pkg/v3 version in $CLI_MOD_DIR/go.mod"
K8S_SRC_VERSION="$(modver "$K8S_MOD_DIR/go.mod" github.com/pulumi/pulumi-kubernetes/provider/v4)"
[[ -n "$K8S_SRC_VERSION" ]] || die "no provider/v4 version in $K8S_MOD_DIR/go.mod"
K8S_VERSION="${KUBE_CEPH_LAB_PULUMI_K8S_VERSION:-4.25.0}"
K8S_VERSION="${K8S_VERSION#v}"

CLI_BIN="$LAB_CACHE/pulumi-$CLI_VERSION/bin"
K8S_PLUGIN_DIR="$PULUMI_HOME_DIR/plugins/resource-kubernetes-v$K8S_VERSION"
# The version @pulumi/command 1.2.1 asks for; the stand-in reports it (see lab/go/pulumi/command).
CMD_VERSION="1.2.1"
CMD_PLUGIN_DIR="$PULUMI_HOME_DIR/plugins/resource-command-v$CMD_VERSION"

# Hash of the files a wrapper build depends on (so edits to lab code rebuild). It hashes
# their contents and their paths relative to the module's folder, never where the module or
# this script sits, so that moving either keeps the stamps, and the cached builds, valid.
src_key() { # dir...
  (cd "$1" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 |
    sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

up_to_date() { # binary stamp-name key
  [[ -x "$1" && -f "$STAMP_DIR/$2" && "$(cat "$STAMP_DIR/$2")" == "$3" ]]
}

stamp() { # stamp-name key
  mkdir -p "$STAMP_DIR"
  printf '%s\n' "$2" >"$STAMP_DIR/$1"
}

# ---------------------------------------------------------------- build
build_cli() {
  local key="v$CLI_VERSION"
  if up_to_date "$CLI_BIN/pulumi" "pulumi-$CLI_VERSION" "$key"; then
    log "pulumi $CLI_VERSION: present"
    return
  fi
  log "building pulumi $CLI_VERSION (minutes with a cold Go build cache)"
  local t0=$SECONDS
  gobuild "$CLI_MOD_DIR" "$CLI_BIN" "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$CLI_VERSION" \
    pulumi=github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  stamp "pulumi-$CLI_VERSION" "$key"
  log "pulumi $CLI_VERSION: built in $((SECONDS - t0))s"
}

build_langhost() {
  local key
  key="v$CLI_VERSION-$(src_key "$CLI_MOD_DIR")"
  if up_to_date "$CLI_BIN/pulumi-language-nodejs" "pulumi-language-nodejs-$CLI_VERSION" "$key"; then
    log "pulumi-language-nodejs: present"
    return
  fi
  log "building pulumi-language-nodejs"
  local t0=$SECONDS
  gobuild "$CLI_MOD_DIR" "$CLI_BIN" "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$CLI_VERSION" \
    pulumi-language-nodejs=./cmd/pulumi-language-nodejs
  stamp "pulumi-language-nodejs-$CLI_VERSION" "$key"
  log "pulumi-language-nodejs: built in $((SECONDS - t0))s"
}

# Not built: a shell launcher for the SDK's dynamic-provider host, installed where the
# engine looks for bundled plugins (next to the pulumi binary).
install_dynamic_provider_host() {
  install -m 0755 "$SCRIPT_DIR/pulumi-resource-pulumi-nodejs" "$CLI_BIN/pulumi-resource-pulumi-nodejs"
}

build_kubernetes() {
  local key bin="$K8S_PLUGIN_DIR/pulumi-resource-kubernetes"
  key="$K8S_SRC_VERSION-$(src_key "$K8S_MOD_DIR")"
  if up_to_date "$bin" "resource-kubernetes-v$K8S_VERSION" "$key"; then
    log "pulumi-resource-kubernetes v$K8S_VERSION: present"
    return
  fi
  log "building pulumi-resource-kubernetes v$K8S_VERSION from provider/v4@$K8S_SRC_VERSION (minutes with a cold Go build cache)"
  local t0=$SECONDS tmp src
  mkdir -p "$LAB_CACHE/tmp"
  tmp="$(mktemp -d "$LAB_CACHE/tmp/pulumi-k8s-build.XXXXXX")"
  rm_at_exit "$tmp"
  cp -r "$K8S_MOD_DIR/." "$tmp/"
  (cd "$tmp" && go mod download github.com/pulumi/pulumi-kubernetes/provider/v4)
  src="$(cd "$tmp" && go list -mod=readonly -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)"
  [[ -f "$src/cmd/pulumi-resource-kubernetes/schema.json" ]] || die "no schema.json in $src"
  (cd "$tmp" && go run -mod=readonly ./embedgen "$src/cmd/pulumi-resource-kubernetes" "$K8S_VERSION" .)
  mkdir -p "$K8S_PLUGIN_DIR"
  rm -f "$K8S_PLUGIN_DIR.partial" "$K8S_PLUGIN_DIR.lock"
  gobuild "$tmp" "$K8S_PLUGIN_DIR" "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_VERSION" \
    pulumi-resource-kubernetes=.
  stamp "resource-kubernetes-v$K8S_VERSION" "$key"
  log "pulumi-resource-kubernetes v$K8S_VERSION: built in $((SECONDS - t0))s"
}

build_command() {
  local key bin="$CMD_PLUGIN_DIR/pulumi-resource-command"
  key="v$CMD_VERSION-$(src_key "$CMD_MOD_DIR")"
  if up_to_date "$bin" "resource-command-v$CMD_VERSION" "$key"; then
    log "pulumi-resource-command v$CMD_VERSION: present"
    return
  fi
  log "building pulumi-resource-command v$CMD_VERSION (lab stand-in, lab/go/pulumi/command)"
  local t0=$SECONDS
  mkdir -p "$CMD_PLUGIN_DIR"
  rm -f "$CMD_PLUGIN_DIR.partial" "$CMD_PLUGIN_DIR.lock"
  gobuild "$CMD_MOD_DIR" "$CMD_PLUGIN_DIR" "" pulumi-resource-command=.
  stamp "resource-command-v$CMD_VERSION" "$key"
  log "pulumi-resource-command v$CMD_VERSION: built in $((SECONDS - t0))s"
}

cmd_build() {
  command -v go >/dev/null || die "go not found (expected /usr/local/go/bin/go)"
  with_build_lock "$BUILD_LOCK_FILE"
  build_cli
  build_langhost
  install_dynamic_provider_host
  build_kubernetes
  build_command
}

# ---------------------------------------------------------------- env / status
cmd_env() {
  cat <<EOF
export PATH="$CLI_BIN:\$PATH"
export PULUMI_HOME="$PULUMI_HOME_DIR"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
EOF
}

cmd_status() {
  local ok=0 f
  for f in "$CLI_BIN/pulumi" "$CLI_BIN/pulumi-language-nodejs" "$CLI_BIN/pulumi-resource-pulumi-nodejs" \
    "$K8S_PLUGIN_DIR/pulumi-resource-kubernetes" "$CMD_PLUGIN_DIR/pulumi-resource-command"; do
    if [[ -x "$f" ]]; then
      printf 'ok       %s\n' "$f"
    else
      printf 'missing  %s\n' "$f"
      ok=1
    fi
  done
  return "$ok"
}

case "${1:-}" in
  build) cmd_build ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) usage ;;
esac
