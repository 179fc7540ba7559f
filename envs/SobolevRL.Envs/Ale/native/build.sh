#!/usr/bin/env bash
# Builds SobolevRL's ALE shim (libsobolevrl_ale.so) against an ALE that is already installed; it does not build ALE.
# Usage: build.sh ALE_DIR [BUILD_DIR]
#   ALE_DIR    prefix of an ALE installation (the folder holding lib/cmake/ale), e.g. /opt/ale
#   BUILD_DIR  where to build (default: artifacts/ale-shim under the repository root)
# Then: export SOBOLEVRL_ALE_LIB=BUILD_DIR/libsobolevrl_ale.so
set -euo pipefail

if [[ $# -lt 1 || -z "$1" ]]; then
  echo "usage: $0 ALE_DIR [BUILD_DIR]   (ALE_DIR: prefix of an installed ALE, holding lib/cmake/ale)" >&2
  exit 2
fi
ale_dir="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../../.." && pwd)"
build_dir="${2:-$repo/artifacts/ale-shim}"

if [[ ! -d "$ale_dir/lib/cmake/ale" && ! -d "$ale_dir/lib64/cmake/ale" ]]; then
  echo "warning: $ale_dir/lib/cmake/ale not found; is ALE_DIR the prefix ALE was installed to?" >&2
fi

cmake -S "$here" -B "$build_dir" -DCMAKE_PREFIX_PATH="$ale_dir" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j 2
# An absolute path, so the export works from any directory.
shim="$(cd "$build_dir" && pwd)/libsobolevrl_ale.so"
echo "built $shim; use it with: export SOBOLEVRL_ALE_LIB=$shim"
