#!/usr/bin/env bash
# Regenerates traces/probes/generated/: the shortest situations of every
# unknown of docs/semantics.md section 4, from two universes explored by
# `portpool explore --probes` (docs/exhaustive.md):
#   a  both protocols and families, an elevated and an unelevated process with
#      a socket each, ports 50000-50001 (50001 dynamic), reboots, environment
#      events, short buffers; paths of up to 5 calls;
#   b  one elevated process with two TCP sockets (IPv4 or IPv6) on one port, no reboots;
#      paths of up to 8 calls (two sockets through one association: U1; one
#      port bound by both families: M4).
# A probe's file name is its unknown, its universe, its depth and its call.
#
#   scripts/generate_probes.sh build/release/conformance/portpool
set -euo pipefail
if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 PATH/TO/portpool" >&2
  exit 2
fi
portpool="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/traces/probes/generated"
work="$(mktemp -d "${TMPDIR:-/tmp}/portpool-probes.XXXXXX")"
trap 'rm -rf "$work"' EXIT

generate() {
  local tag="$1"
  shift
  "$portpool" explore --quiet --probes "$work/$tag" --probes-per-unknown 6 "$@"
  for file in "$work/$tag"/*.trace; do
    local name
    name="$(basename "$file")"
    mv "$file" "$work/${name%%-*}-$tag-${name#*-}"
  done
}

generate a --protocols tcp+udp --families ipv4+ipv6 --normal 1 --environment --depth 5
generate b --families ipv4+ipv6 --sockets 2 --ports 1 --no-reboots --no-buffer-classes --depth 8
rm -rf "$out"
mkdir -p "$out"
mv "$work"/*.trace "$out/"
echo "wrote $(find "$out" -name '*.trace' | wc -l) probes to $out"
