#!/usr/bin/env bash
# The campaign report as a browser shows it: runs a short `portpool campaign`,
# takes a screenshot of its report.html in headless Chromium at 1280x2000, and
# checks that the screenshot is a real picture of the page:
#   - report.html fetches nothing (no src=, href=, url(), scripts or URLs);
#   - the screenshot is a PNG of exactly 1280x2000 pixels;
#   - it is not blank: several times the size of a blank page's screenshot,
#     and, decoded by Chromium itself into a canvas, many colours, a good
#     share of non-white pixels and the green of the CONFORMS banner.
#
#   scripts/report_screenshot_test.sh PATH/TO/portpool [WORKDIR]
#
# The ctest test `report_screenshot` (label `report`) runs it. It needs
# Debian's chromium package (scripts/lib/setup.sh installs it) and FAILS when
# Chromium is missing: a skipped check would hide a broken report. The
# screenshot stays at WORKDIR/report.png (WORKDIR defaults to a temporary
# folder that is removed); CHROMIUM=/path/to/chromium picks another browser.
set -uo pipefail

if [[ $# -lt 1 || $# -gt 2 || ! -x "$1" ]]; then
  echo "usage: $0 PATH/TO/portpool [WORKDIR]" >&2
  exit 2
fi
portpool="$1"
if [[ $# -eq 2 ]]; then
  work="$2"
  rm -rf "$work"
  mkdir -p "$work" || exit 2
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/portpool-report.XXXXXX")" || exit 2
  trap 'rm -rf "$work"' EXIT
fi
work="$(cd "$work" && pwd)"

failures=0
checks=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
check() {  # check CONDITION-EXIT-CODE DESCRIPTION
  checks=$((checks + 1))
  [[ "$1" -eq 0 ]] || fail "$2"
}

chromium="${CHROMIUM:-chromium}"
if ! command -v "$chromium" >/dev/null 2>&1; then
  echo "FAIL: '$chromium' not found: install Debian's chromium package" \
    "(apt-get install chromium; scripts/test.sh installs it)" >&2
  exit 1
fi

# shot URL PNG [EXTRA FLAGS...]: a screenshot in a fresh profile.
shot() {
  local url="$1" png="$2"
  shift 2
  local profile
  profile="$(mktemp -d "$work/profile.XXXXXX")"
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --screenshot="$png" --window-size=1280,2000 "$@" "$url" \
    >"$work/chromium.log" 2>&1
  local code=$?
  rm -rf "$profile"
  return $code
}

# png_size PNG: "WIDTH HEIGHT" from the IHDR chunk, or nothing if not a PNG.
png_size() {
  local signature
  signature="$(od -An -tx1 -N8 "$1" 2>/dev/null | tr -d ' \n')"
  [[ "$signature" == "89504e470d0a1a0a" ]] || return 1
  local -a b
  read -r -a b < <(od -An -tu1 -j16 -N8 "$1")
  echo "$(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3])) $(((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]))"
}

# --- the report ----------------------------------------------------------------
"$portpool" campaign --seeds 20 --length 60 --quiet -o "$work/report" >"$work/campaign.out" 2>&1
code=$?
check "$code" "portpool campaign exited $code: $(cat "$work/campaign.out")"
html="$work/report/report.html"
checks=$((checks + 1))
if [[ ! -s "$html" ]]; then
  fail "no report.html in $work/report"
  echo "report_screenshot_test: $((checks - failures)) of $checks checks passed" >&2
  exit 1
fi
checks=$((checks + 1))
if grep -nEo '(src|href)=|url\(|<link|<script|<img|@import|https?:' "$html" >"$work/external"; then
  fail "report.html refers to external resources: $(head -5 "$work/external" | tr '\n' ' ')"
fi

# --- the screenshot --------------------------------------------------------------
png="$work/report.png"
shot "file://$html" "$png"
check $? "chromium failed to take the screenshot: $(tail -5 "$work/chromium.log")"
checks=$((checks + 1))
size="$(png_size "$png")" || size=""
[[ "$size" == "1280 2000" ]] || fail "the screenshot is not a 1280x2000 PNG (got '${size:-no PNG}')"

blank_html="$work/blank.html"
printf '<!DOCTYPE html>\n<html><body></body></html>\n' >"$blank_html"
shot "file://$blank_html" "$work/blank.png"
check $? "chromium failed on a blank page: $(tail -5 "$work/chromium.log")"
report_bytes=$(stat -c %s "$png" 2>/dev/null || echo 0)
blank_bytes=$(stat -c %s "$work/blank.png" 2>/dev/null || echo 0)
checks=$((checks + 1))
((blank_bytes > 0 && report_bytes > 5 * blank_bytes)) ||
  fail "the screenshot ($report_bytes bytes) is not much bigger than a blank page's" \
    "($blank_bytes bytes): blank?"

# Chromium decodes the screenshot into a canvas and counts its colours.
analysis="$work/analyse.html"
{
  printf '<!DOCTYPE html>\n<html><body><canvas id="c" width="1280" height="2000"></canvas>\n'
  printf '<img id="shot" alt="" src="data:image/png;base64,'
  base64 -w0 "$png"
  printf '">\n<script>\n'
  cat <<'EOF'
window.addEventListener('load', () => {
  const img = document.getElementById('shot');
  const ctx = document.getElementById('c').getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, 1280, 2000).data;
  const colours = new Set();
  let nonWhite = 0, green = 0;
  for (let i = 0; i < data.length; i += 4) {
    const r = data[i], g = data[i + 1], b = data[i + 2];
    colours.add((r << 16) | (g << 8) | b);
    if (r < 240 || g < 240 || b < 240) nonWhite++;
    // The CONFORMS banner: #15803d.
    if (Math.abs(r - 0x15) < 6 && Math.abs(g - 0x80) < 6 && Math.abs(b - 0x3d) < 6) green++;
  }
  const pixels = data.length / 4;
  document.body.setAttribute('data-result', 'width=' + img.naturalWidth + ' height=' +
      img.naturalHeight + ' colours=' + colours.size + ' nonwhite=' +
      Math.round(1000 * nonWhite / pixels) + ' green=' + Math.round(1000 * green / pixels));
});
EOF
  printf '</script></body></html>\n'
} >"$analysis"
profile="$(mktemp -d "$work/profile.XXXXXX")"
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --virtual-time-budget=10000 --dump-dom "file://$analysis" \
  >"$work/analysis.dom" 2>"$work/chromium.log"
check $? "chromium failed to analyse the screenshot: $(tail -5 "$work/chromium.log")"
rm -rf "$profile"
result="$(grep -o 'data-result="[^"]*"' "$work/analysis.dom" | head -1)"
result="${result#data-result=\"}"
result="${result%\"}"
echo "screenshot: $png ($report_bytes bytes; blank page $blank_bytes bytes); $result" >&2
checks=$((checks + 1))
if [[ -z "$result" ]]; then
  fail "the analysis page gave no result"
else
  declare -A measured=()
  for pair in $result; do measured[${pair%%=*}]="${pair#*=}"; done
  [[ "${measured[width]}" == 1280 && "${measured[height]}" == 2000 ]] ||
    fail "decoded size ${measured[width]}x${measured[height]}, not 1280x2000"
  checks=$((checks + 1))
  ((measured[colours] >= 50)) || fail "only ${measured[colours]} colours: a blank or broken page"
  checks=$((checks + 1))
  # Per mille of the pixels that are not (near) white: the page's cards,
  # tables and maps, on a light grey background.
  ((measured[nonwhite] >= 60)) || fail "only ${measured[nonwhite]}/1000 non-white pixels"
  checks=$((checks + 1))
  ((measured[green] >= 10)) || fail "the green CONFORMS banner is missing" \
    "(${measured[green]}/1000 pixels of #15803d)"
fi

echo "report_screenshot_test: $((checks - failures)) of $checks checks passed" >&2
[[ "$failures" -eq 0 ]]
