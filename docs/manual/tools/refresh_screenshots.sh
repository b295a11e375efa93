#!/usr/bin/env bash
# Regenerate every screenshot of the user manual (docs/manual/images/*.png), offscreen.
# Run from anywhere:  bash docs/manual/tools/refresh_screenshots.sh
# Needs the project installed (pip install -e .) and pdftoppm (poppler-utils) for the wall posting pages.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
OUT="$ROOT/docs/manual/images"
WORK="$(mktemp -d -t taizhang-manual-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export QT_QPA_PLATFORM=offscreen
export HOME="$WORK/home"          # the shots never touch the real user's settings, data folder or backups
mkdir -p "$HOME" "$OUT"
TODAY=2026-11-22                  # fixed, so every refresh draws the same month
cd "$ROOT"
tz() { python "$ROOT/main.py" "$@" 2>/dev/null; }

# 1. the month of a new village (双河村) through the real window: dialogs, forms, pages after each step
TAIZHANG_MANUAL_KEEP="$WORK/walk" python "$ROOT/docs/manual/tools/shoot.py" "$OUT" | grep -v '^  弹出'

# 2. the demo village's pages, exactly as `taizhang gui --screenshot` draws them
tz demo --db "$WORK/demo.db" --today $TODAY >/dev/null
for page in dashboard minsheng all; do
  tz gui --db "$WORK/demo.db" --today $TODAY --screenshot "$OUT/00-demo-$page.png" --page "$page"
done

# 3. the printed wall posting and the contact cards of 双河村, as PNG pages
tz export-pdf --db "$WORK/walk/village.db" --today $TODAY --month 2026-11 --out "$WORK/wall.pdf" >/dev/null
pdftoppm -png -r 60 -f 1 -l 2 "$WORK/wall.pdf" "$OUT/06-wall"
tz contact-card --db "$WORK/walk/village.db" --today $TODAY --out "$WORK/card.pdf" >/dev/null
pdftoppm -png -r 60 -f 1 -l 1 "$WORK/card.pdf" "$OUT/06-contact-card"

# 4. the README's page screenshots (docs/screenshots/), from the same demo
SHOTS="$ROOT/docs/screenshots"
for page in dashboard minsheng kunnan wending all meeting posting import safety settings; do
  tz gui --db "$WORK/demo.db" --today $TODAY --screenshot "$SHOTS/page_$page.png" --page "$page"
done
cp "$OUT/01-setup.png" "$SHOTS/setup.png"
# the township view needs several villages: a twelve-village demo
tz demo --db "$WORK/town.db" --villages 12 --items 80 --today $TODAY >/dev/null
tz gui --db "$WORK/town.db" --today $TODAY --screenshot "$SHOTS/township.png" --page township

ls "$OUT"/*.png | wc -l | xargs echo "截图共（张）："
