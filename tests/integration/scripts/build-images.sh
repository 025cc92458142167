#!/bin/bash
# Builds the real images the integration tests and benchmarks scan, from Debian
# packages only:
#   OUTDIR/rootfs/               debootstrap --variant=minbase bookworm (kept for reuse)
#   OUTDIR/oci/                  OCI layout (gzip layers), tags:
#                                  l1   = layer 1: the minbase rootfs
#                                  l2   = + layer 2: a few packages installed with dpkg
#                                  test = + layer 3: one package purged, one upgraded,
#                                         a file deleted (whiteouts), config set
#   OUTDIR/oci-zstd/             the same image with zstd layers (tag test), if skopeo can
#   OUTDIR/test.docker.tar       docker-archive (bulwark/test:1)
#   OUTDIR/test.oci.tar          oci-archive (tag 1)
#   OUTDIR/l1.expected.tsv, l2.expected.tsv, test.expected.tsv, rootfs.expected.tsv
#                                dpkg-query "name<TAB>version<TAB>arch" of each state, sorted
#   OUTDIR/test.layer3.txt       what layer 3 did (purged=, upgraded=, deleted=)
#   OUTDIR/oci/ tag app          test + layer 4: a Node application in /app with
#                                packages installed from the npm registry at
#                                known-vulnerable versions (APP_DEPS); skipped,
#                                with OUTDIR/app-unavailable.txt, when npm or the
#                                registry is not reachable
#   OUTDIR/app.expected.tsv      "name<TAB>version" of every installed npm package (npm ls --all)
#
# Safe to re-run: a stamp file makes it build once per OUTDIR, and concurrent
# callers wait on a lock. Exit 77 (and OUTDIR/unavailable.txt) when a
# prerequisite is missing here (a tool, root, or the Debian mirror), so callers
# can skip with that reason; any other failure exits non-zero.
set -euo pipefail

VERSION=4   # bump when the images change so old stamps are rebuilt
OUT=${1:?usage: build-images.sh OUTDIR}
SUITE=${BULWARK_DEBIAN_SUITE:-bookworm}
MIRROR=${BULWARK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Packages added in layer 2 (small, with dependencies all in minbase).
LAYER2_PKGS=(less file libmagic1 libmagic-mgc netbase xz-utils bzip2)
PURGE_PKG=less            # layer 3 purges this one
UPGRADE_PKG=netbase       # layer 3 upgrades this one to a locally rebuilt version
UPGRADE_SUFFIX=+bulwark1
DELETE_FILE=usr/share/doc/file/changelog.Debian.gz   # layer 3 deletes this file

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
STAMP="$OUT/.images-v$VERSION.stamp"

log() { echo "build-images: $*" >&2; }
unavailable() {
  log "UNAVAILABLE: $*"
  echo "$*" > "$OUT/unavailable.txt"
  exit 77
}

exec 9> "$OUT/.lock"
log "waiting for lock $OUT/.lock"
flock 9
if [[ -f "$STAMP" ]]; then
  log "images in $OUT are up to date ($STAMP)"
  exit 0
fi
rm -f "$OUT/unavailable.txt"

for tool in debootstrap umoci skopeo dpkg-deb dpkg-query apt-get chroot; do
  command -v "$tool" >/dev/null 2>&1 || unavailable "$tool is not installed (scripts/bootstrap installs it)"
done
[[ $(id -u) == 0 ]] || unavailable "building images needs root (debootstrap, dpkg --root)"

expected() {  # expected ROOT OUTFILE: the dpkg view of a root tree
  dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${Package}\t${Version}\t${Architecture}\n' | LC_ALL=C sort > "$2"
  log "wrote $2 ($(wc -l < "$2") packages)"
}

# (a) the minbase rootfs, kept across runs (it is the slow, networked step).
ROOTFS="$OUT/rootfs"
if [[ ! -f "$OUT/.rootfs.done" ]]; then
  rm -rf "$ROOTFS"
  log "debootstrap --variant=minbase $SUITE $ROOTFS $MIRROR"
  if ! debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" > "$OUT/debootstrap.log" 2>&1; then
    tail -5 "$OUT/debootstrap.log" >&2 || true
    rm -rf "$ROOTFS"
    unavailable "debootstrap failed (no access to $MIRROR?), see $OUT/debootstrap.log"
  fi
  # debootstrap leaves its apt cache full; a real base image ships without it.
  rm -f "$ROOTFS"/var/cache/apt/archives/*.deb
  touch "$OUT/.rootfs.done"
else
  log "reusing $ROOTFS"
fi
expected "$ROOTFS" "$OUT/rootfs.expected.tsv"

# .deb files for layer 2 and the rebuilt upgrade for layer 3.
DEBS="$OUT/debs"
mkdir -p "$DEBS"
if ! ls "$DEBS"/${UPGRADE_PKG}_*.deb >/dev/null 2>&1 || [[ ! -f "$DEBS/.done" ]]; then
  rm -rf "$DEBS"; mkdir -p "$DEBS"
  log "apt-get download ${LAYER2_PKGS[*]} (via the rootfs's own apt, from $MIRROR)"
  # The rootfs's apt points at the same mirror debootstrap used; run it with
  # --root-like options so nothing on the host changes.
  APTOPTS=(-o Dir="$ROOTFS" -o Dir::State::status="$ROOTFS/var/lib/dpkg/status"
           -o Dir::Etc::trusted="$ROOTFS/etc/apt/trusted.gpg"
           -o Dir::Etc::trustedparts="$ROOTFS/etc/apt/trusted.gpg.d"
           -o Dir::Cache="$OUT/apt-cache" -o Dir::State::Lists="$OUT/apt-lists"
           -o Debug::NoLocking=1)
  mkdir -p "$OUT/apt-cache/archives/partial" "$OUT/apt-lists/partial"
  if ! apt-get "${APTOPTS[@]}" -q update >&2; then
    unavailable "apt-get update against $MIRROR failed"
  fi
  (cd "$DEBS" && apt-get "${APTOPTS[@]}" -q download "${LAYER2_PKGS[@]}" >&2) \
    || unavailable "apt-get download ${LAYER2_PKGS[*]} failed"
  # Layer 3's upgrade: the same package rebuilt by dpkg-deb with a higher version.
  orig=$(ls "$DEBS"/${UPGRADE_PKG}_*.deb)
  ver=$(dpkg-deb -f "$orig" Version)
  tmp=$(mktemp -d)
  dpkg-deb -R "$orig" "$tmp/pkg"
  sed -i "s/^Version: .*/Version: ${ver}${UPGRADE_SUFFIX}/" "$tmp/pkg/DEBIAN/control"
  mkdir -p "$DEBS/upgrade"
  dpkg-deb --root-owner-group -b "$tmp/pkg" "$DEBS/upgrade/${UPGRADE_PKG}_${ver}${UPGRADE_SUFFIX}_all.deb" >&2
  rm -rf "$tmp"
  touch "$DEBS/.done"
fi

# (b) the multi-layer OCI layout, built with umoci from one bundle that is
# refreshed after each repack, so each layer is the diff of one step.
LAYOUT="$OUT/oci"
BUNDLE="$OUT/bundle"
rm -rf "$LAYOUT" "$BUNDLE" "$OUT/oci-zstd" "$OUT/test.docker.tar" "$OUT/test.oci.tar" "$OUT"/{l1,l2,test}.expected.tsv
log "umoci init --layout $LAYOUT; umoci new --image $LAYOUT:empty"
umoci init --layout "$LAYOUT"
umoci new --image "$LAYOUT:empty"
umoci unpack --image "$LAYOUT:empty" "$BUNDLE" >/dev/null
R="$BUNDLE/rootfs"

log "layer 1: copy the minbase rootfs"
cp -a "$ROOTFS/." "$R/"
umoci repack --refresh-bundle --image "$LAYOUT:l1" \
  --history.created_by "debootstrap --variant=minbase $SUITE" "$BUNDLE"
expected "$R" "$OUT/l1.expected.tsv"

log "layer 2: dpkg --root -i ${LAYER2_PKGS[*]}"
debs=()
for p in "${LAYER2_PKGS[@]}"; do debs+=("$(ls "$DEBS"/${p}_*.deb)"); done
dpkg --root="$R" --force-unsafe-io -i "${debs[@]}" >&2
rm -f "$R"/var/cache/ldconfig/aux-cache
umoci repack --refresh-bundle --image "$LAYOUT:l2" \
  --history.created_by "dpkg -i ${LAYER2_PKGS[*]}" "$BUNDLE"
expected "$R" "$OUT/l2.expected.tsv"

log "layer 3: purge $PURGE_PKG, upgrade $UPGRADE_PKG, delete /$DELETE_FILE"
dpkg --root="$R" --purge "$PURGE_PKG" >&2
dpkg --root="$R" -i "$DEBS"/upgrade/${UPGRADE_PKG}_*.deb >&2
rm -f "$R/$DELETE_FILE"
umoci repack --refresh-bundle --image "$LAYOUT:test" \
  --history.created_by "dpkg --purge $PURGE_PKG; dpkg -i $UPGRADE_PKG$UPGRADE_SUFFIX; rm /$DELETE_FILE" "$BUNDLE"
expected "$R" "$OUT/test.expected.tsv"
printf 'purged=%s\nupgraded=%s\ndeleted=%s\n' "$PURGE_PKG" "$UPGRADE_PKG" "$DELETE_FILE" > "$OUT/test.layer3.txt"

log "umoci config: user, env, cmd, labels, exposed ports"
umoci config --image "$LAYOUT:test" \
  --config.user "1000:1000" \
  --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --config.env "BULWARK_TEST=1" \
  --config.cmd "/bin/bash" --config.cmd "-l" \
  --config.workingdir "/root" \
  --config.exposedports "8080/tcp" \
  --config.label "org.opencontainers.image.title=bulwark-test" \
  --config.label "org.opencontainers.image.vendor=bulwark" \
  --history.created_by "umoci config"
# (c) the application image: layer 4 adds /app with node_modules from the npm
# registry. npm runs on the host (the image has no Node.js, like a multi-stage
# build's final stage); install scripts are not run.
APP_DEPS='{"lodash":"4.17.15","minimist":"1.2.0","mkdirp":"0.5.1"}'
rm -f "$OUT/app-unavailable.txt" "$OUT/app.expected.tsv"
APP_STAGE="$OUT/app-stage"
rm -rf "$APP_STAGE"; mkdir -p "$APP_STAGE"
printf '{"name":"bulwark-test-app","version":"1.0.0","private":true,"dependencies":%s}\n' "$APP_DEPS" \
  > "$APP_STAGE/package.json"
if command -v npm >/dev/null 2>&1 && (cd "$APP_STAGE" && npm install --ignore-scripts --no-audit --no-fund \
      --loglevel=error >&2); then
  (cd "$APP_STAGE" && npm ls --all --parseable --long) | sed -n 's|^[^:]*:\(.*\)@\([^@:]*\)\(:.*\)\?$|\1\t\2|p' \
    | grep -v '^bulwark-test-app' | LC_ALL=C sort -u > "$OUT/app.expected.tsv"
  log "layer 4: /app with $(wc -l < "$OUT/app.expected.tsv") npm packages"
  rm -rf "$BUNDLE"
  umoci unpack --image "$LAYOUT:test" "$BUNDLE" >/dev/null
  mkdir -p "$BUNDLE/rootfs/app"
  cp -a "$APP_STAGE/." "$BUNDLE/rootfs/app/"
  umoci repack --image "$LAYOUT:app" --history.created_by "COPY app/ /app (npm install $APP_DEPS)" "$BUNDLE"
  rm -rf "$BUNDLE"
else
  log "npm or the npm registry is not available here: no app image"
  echo "npm install from the npm registry failed or npm is not installed" > "$OUT/app-unavailable.txt"
fi
rm -rf "$APP_STAGE"

umoci rm --image "$LAYOUT:empty"
umoci gc --layout "$LAYOUT"
rm -rf "$BUNDLE"

log "skopeo copy oci:$LAYOUT:test -> docker-archive, oci-archive"
skopeo copy -q "oci:$LAYOUT:test" "docker-archive:$OUT/test.docker.tar:bulwark/test:1"
skopeo copy -q "oci:$LAYOUT:test" "oci-archive:$OUT/test.oci.tar:1"
log "skopeo copy --dest-compress-format zstd oci:$LAYOUT:test -> oci:$OUT/oci-zstd:test"
if skopeo copy -q --dest-compress --dest-compress-format zstd "oci:$LAYOUT:test" "oci:$OUT/oci-zstd:test" \
    && skopeo inspect --raw "oci:$OUT/oci-zstd:test" | grep -q 'tar+zstd'; then
  log "zstd variant written"
else
  log "skopeo could not write zstd layers here; no zstd variant"
  rm -rf "$OUT/oci-zstd"
fi

for ref in "oci:$LAYOUT:l1" "oci:$LAYOUT:l2" "oci:$LAYOUT:test" "docker-archive:$OUT/test.docker.tar" \
           "oci-archive:$OUT/test.oci.tar:1"; do
  skopeo inspect "$ref" > /dev/null || { log "skopeo inspect $ref failed"; exit 1; }
done
[[ -d "$OUT/oci-zstd" ]] && skopeo inspect "oci:$OUT/oci-zstd:test" > /dev/null
touch "$STAMP"
log "done: $OUT"
