#!/usr/bin/env bash
# build-example-image.sh OUT.tar [TAG]: writes the busybox example image (an OCI layout tarball, made
# from Debian's busybox-static, no internet) for `flotilla runtime import`; TAG defaults to busybox:latest.
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: $0 OUT.tar [TAG]" >&2; exit 2; fi
repo="$(cd "$(dirname "$0")/.." && pwd)"
mod="$repo/dist/runtime/images/example-image.js"
[ -f "$mod" ] || { echo "build-example-image: $mod is missing; run npm run build first" >&2; exit 1; }
out="$(realpath -m "$1")"
exec node --input-type=module -e '
const [mod, out, tag] = process.argv.slice(1);
const { buildBusyboxImage } = await import(mod);
try {
  const built = await buildBusyboxImage(out, tag ? { tag } : {});
  console.log(`${out}: ${built.repoTag} ${built.imageId}`);
} catch (err) {
  console.error(`build-example-image: ${err.message}`);
  process.exit(1);
}' "$mod" "$out" "${2:-}"
