#!/usr/bin/env bash
# Installs every Debian package nfalab needs to build, test and run its main job.
# Idempotent; run as root (or with sudo available) on Debian 12.
#
#   bash tools/setup.sh            # build, tests, main job
#   bash tools/setup.sh --peers    # the same (PyTorch is now always installed)
set -euo pipefail

PACKAGES=(
  bazel-bootstrap       # Bazel 4.2.3 (WORKSPACE era)
  bazel-rules-java      # @rules_java, registered even for C++ builds
  g++
  git
  libabsl-dev
  libeigen3-dev
  libprotobuf-dev
  protobuf-compiler
  libgtest-dev
  libgmock-dev
  googletest
  libbenchmark-dev
  libopenblas-dev
  zlib1g-dev
  libelf-dev            # reads a plugin's ABI fingerprint before loading it
  libssl-dev            # libcrypto's SHA-256 (//core:sha256: checkpoint and plugin hashes)
  libxml2-dev           # the SVG tests parse the figures with libxml2 (tests/report:svg_scan)
  pkg-config
  python3-numpy         # tests/experiment:export_numpy_test loads the .npy exports
  dataset-fashion-mnist # the main job's data (/usr/share/datasets/fashion-mnist)
  libmatio-dev          # the SVHN source reads train_32x32.mat / test_32x32.mat
  libstb-dev            # stb_image (GTSRB's PPM files) and stb_image_resize (resize_to)
  libjsoncpp-dev        # reads model.json (nfalab measure: experiment/model_import.h)
  python3-torch         # the cross-framework test of nfalab measure (tests/python) and the peer benchmarks
  slurm-wlm             # the cluster test: a one-node Slurm (tools/slurm_local.sh)
  munge                 # Slurm's authentication, for the same
)

# Kept for old instructions: PyTorch (the peer of benchmarks/peers/run.sh)
# is now installed by default, for the cross-framework test.
PEER_PACKAGES=()

for arg in "$@"; do
  case "${arg}" in
    --peers) PACKAGES+=("${PEER_PACKAGES[@]}") ;;
    *) echo "setup: unknown option ${arg} (known: --peers)" >&2; exit 2 ;;
  esac
done

SUDO=""
if [[ "$(id -u)" != "0" ]]; then
  SUDO="sudo"
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("${pkg}")
  fi
done

if (( ${#missing[@]} > 0 )); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  ${SUDO} apt-get update -qq
  ${SUDO} apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages already installed"
fi
