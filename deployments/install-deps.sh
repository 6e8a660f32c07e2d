#!/usr/bin/env bash
# Installs the Debian 12 packages seedgrid builds and tests with, when any is missing.
# Runs apt-get (through sudo when not root); prints one line when everything is already there.
# --tests adds what only the tests use: Node.js (the AI Horde client test), Chromium (the web
# studio's browser test), Python's OpenCV and NumPy (the shapes model's adherence checker test) and
# the PostgreSQL server (the ledger's tests run a throwaway one);
# tests/run.sh passes it. --bench adds what the benchmarks drive load with:
# wrk (the gateway's throughput; a C client, so the client is not what is measured) and Node.js.
# --train adds what training the shapes model uses (models/zoo/shapes/train.py, run by hand, never
# by CI): PyTorch, OpenCV and OpenBLAS (Debian's torch multiplies matrices through the system's
# libblas.so.3; OpenBLAS makes the UNet's training steps ~5x faster than the reference BLAS).
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config ccache
  libcaf-dev libssl-dev libsodium-dev libboost-json1.81-dev libboost1.81-dev libspdlog-dev libgtest-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libsqlite3-dev libpq-dev liblua5.4-dev
  libcli11-dev iproute2 procps
)
case ${1:-} in
  --tests) packages+=(nodejs chromium python3-opencv python3-numpy postgresql) ;;
  --bench) packages+=(nodejs wrk) ;;
  --train) packages+=(python3-torch python3-opencv python3-numpy libopenblas0-pthread) ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
