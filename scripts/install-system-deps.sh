#!/usr/bin/env bash
# Installs the Debian packages FedUnify needs beyond Node: the real Fashion-MNIST, Chromium for the
# browser tests, Xvfb for windows. Skips apt entirely when everything is already there.
set -euo pipefail

need=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v xvfb-run >/dev/null 2>&1 || need+=(xvfb xauth)

if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present (dataset-fashion-mnist, chromium, xvfb)"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Need root or sudo to install: ${need[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "system packages: installing ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null
echo "system packages: done"
