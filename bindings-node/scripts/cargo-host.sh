#!/usr/bin/env bash
# `napi build` always passes `--target <host triple>`, which makes cargo build a second, full tree under
# target/<triple>/ (toolchain notes, gotcha 3: +80 s on a fresh machine, and GBs). test.sh runs napi with
# CARGO pointing here: for the host triple this drops `--target`, so the addon is built in target/debug next to
# `cargo build --workspace`, and then links the artifact where napi looks for it. Any other target is passed on.
set -euo pipefail
cargo="${MSI_REAL_CARGO:-cargo}"
args=()
triple=""
profile=debug
while [ $# -gt 0 ]; do
  case "$1" in
    --target) triple="$2"; shift 2; continue ;;
    --target=*) triple="${1#--target=}"; shift; continue ;;
    --release) profile=release ;;
    --profile) profile="$2"; [ "$profile" = dev ] && profile=debug ;;
  esac
  args+=("$1")
  shift
done
host="$(rustc -vV | sed -n 's/^host: //p')"
if [ -n "$triple" ] && [ "$triple" != "$host" ]; then
  exec "$cargo" "${args[@]}" --target "$triple"
fi
"$cargo" "${args[@]}"
[ "${args[0]:-}" = build ] || exit 0
target_dir="$("$cargo" metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
if [ -n "$triple" ]; then
  mkdir -p "$target_dir/$triple/$profile"
  for f in "$target_dir/$profile"/lib*.so "$target_dir/$profile"/lib*.dylib "$target_dir/$profile"/*.dll; do
    if [ -e "$f" ]; then
      ln -f "$f" "$target_dir/$triple/$profile/" 2>/dev/null || cp -f "$f" "$target_dir/$triple/$profile/"
    fi
  done
fi
