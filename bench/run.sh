#!/bin/bash
# Builds the benchmark images and runs bench/scan_bench on them; results go to
# bench/out/ (see docs/benchmarks.md).
#
# Images: the multi-layer Debian image of tests/integration/scripts/build-images.sh
# (minbase + packages, 3 layers), plus layers of real Debian package content:
# .deb files from the local apt cache (BULWARK_BENCH_DEBS, default
# /var/cache/apt/archives) unpacked with `dpkg --root --unpack`, so the dpkg
# database grows with them as in a real image. Two sizes (uncompressed, MB):
#   bench-500   the base image + 1 layer            (~500 MB)
#   bench-1000  bench-500 + 2 more layers            (~1000 MB)
#
# Then bench/lang_bench: `bulwark fs` over a real node_modules install and a
# directory of Debian's jars against a walk-and-read baseline (results in
# bench/out/lang-results.json and lang-summary.txt).
#
# Usage: bench/run.sh [--images-only | --lang-only]
# Environment: BULWARK_BUILD_DIR (default build-bench), BULWARK_TEST_IMAGES (base
# images, default $BULWARK_BUILD_DIR/test-images), BULWARK_BENCH_ITERATIONS (3).
set -euo pipefail
IMAGES_ONLY=0
LANG_ONLY=0
[[ "${1:-}" == "--images-only" ]] && IMAGES_ONLY=1
[[ "${1:-}" == "--lang-only" ]] && LANG_ONLY=1

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BULWARK_BUILD_DIR:-$ROOT/build-bench}
OUT=$ROOT/bench/out
IMAGES=${BULWARK_TEST_IMAGES:-$BUILD/test-images}
DEBS=${BULWARK_BENCH_DEBS:-/var/cache/apt/archives}
ITER=${BULWARK_BENCH_ITERATIONS:-3}
BENCH_VERSION=3   # bump when the bench images change
log() { echo "bench: $*" >&2; }

if (( ! IMAGES_ONLY )); then
  # An existing build tree is used as configured (e.g. BULWARK_BUILD_DIR=build);
  # a new one is configured for Release without the tests.
  if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
    log "configure $BUILD (Release)"
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBULWARK_TESTS=OFF >/dev/null
  fi
  log "build scan_bench and lang_bench in $BUILD"
  cmake --build "$BUILD" --target scan_bench lang_bench -j2
fi

run_lang_bench() {
  mkdir -p "$OUT"
  log "running lang_bench ($ITER iterations each; the first run installs node_modules with npm ci)"
  "$BUILD/bench/lang_bench" --iterations="$ITER" --out="$OUT/lang-results.json" \
    --benchmark_out="$OUT/lang-benchmark.json" --benchmark_out_format=json | tee "$OUT/lang-summary.txt"
}
if (( LANG_ONLY )); then
  run_lang_bench
  exit 0
fi

log "base images: $IMAGES"
"$ROOT/tests/integration/scripts/build-images.sh" "$IMAGES"

BI="$OUT/images"
mkdir -p "$BI"
exec 9> "$BI/.lock"
flock 9
if [[ ! -f "$BI/.bench-v$BENCH_VERSION.stamp" ]]; then
  rm -rf "$BI/oci" "$BI/bundle"
  cp -a "$IMAGES/oci" "$BI/oci"
  log "umoci unpack $BI/oci:test"
  umoci unpack --image "$BI/oci:test" "$BI/bundle" >/dev/null
  R="$BI/bundle/rootfs"

  # Debs in name order with their Installed-Size (KiB); one package name once.
  mapfile -t all < <(for f in "$DEBS"/*.deb; do
      dpkg-deb -f "$f" Package Installed-Size | \
        awk -v f="$f" -F': ' '/^Package/{p=$2} /^Installed-Size/{s=$2} END{printf "%s\t%s\t%s\n", p, s, f}'
    done | LC_ALL=C sort -u -t $'\t' -k1,1)
  log "${#all[@]} packages available in $DEBS"
  next=0
  # add_layer MB TAG CREATED_BY: unpacks debs until about MB of installed size was added.
  add_layer() {
    local want_kib=$(( $1 * 1024 )) got=0 batch=()
    while (( got < want_kib && next < ${#all[@]} )); do
      IFS=$'\t' read -r name kib file <<< "${all[$next]}"
      next=$((next + 1))
      # Skip what is already in the image and what is empty (metapackages).
      dpkg-query --admindir="$R/var/lib/dpkg" -W "$name" >/dev/null 2>&1 && continue
      [[ -n "$kib" && "$kib" -gt 0 ]] || continue
      batch+=("$file"); got=$((got + kib))
    done
    log "layer $2: dpkg --root --unpack ${#batch[@]} packages (~$((got / 1024)) MB installed)"
    # --unpack runs no postinst; --force-all because the apt cache is not a
    # consistent set (dependencies, conflicts). Failures of single packages are
    # fine for a benchmark: the content is still real.
    dpkg --root="$R" --force-all --force-unsafe-io --unpack "${batch[@]}" > "$BI/dpkg-$2.log" 2>&1 || \
      log "dpkg reported errors for some packages (see $BI/dpkg-$2.log)"
    umoci repack --refresh-bundle --image "$BI/oci:$2" --history.created_by "$3" "$BI/bundle"
  }
  add_layer 340 bench-500 "dpkg --unpack (bench layer 4)"
  add_layer 260 bench-1000-l5 "dpkg --unpack (bench layer 5)"
  add_layer 260 bench-1000 "dpkg --unpack (bench layer 6)"
  umoci rm --image "$BI/oci:bench-1000-l5"
  umoci gc --layout "$BI/oci"
  rm -rf "$BI/bundle"
  touch "$BI/.bench-v$BENCH_VERSION.stamp"
fi

(( IMAGES_ONLY )) && { log "images in $BI/oci (tags bench-500, bench-1000)"; exit 0; }
log "running scan_bench ($ITER iterations each)"
"$BUILD/bench/scan_bench" --image="oci:$BI/oci:bench-500" --image="oci:$BI/oci:bench-1000" \
  --iterations="$ITER" --work="$OUT/work" --out="$OUT/results.json" \
  --benchmark_out="$OUT/benchmark.json" --benchmark_out_format=json | tee "$OUT/summary.txt"
rm -rf "$OUT/work"
run_lang_bench
