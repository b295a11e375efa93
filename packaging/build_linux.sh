#!/usr/bin/env bash
# Build the one-folder bundle dist/taizhang/ on Linux with PyInstaller, then prove it: offscreen, in a
# temporary data folder, the bundled program makes the demo, writes the wall-posting PDF (embedded Chinese
# font, text present) and the report workbook (read back with openpyxl) and renders a window screenshot.
# Exits non-zero on the first failure.
#
#   packaging/build_linux.sh              build (venv in build/pyi-venv, reused) and prove
#   packaging/build_linux.sh --no-build   prove an existing dist/taizhang/
#
# PYTHON=python3.11 picks the interpreter; TAIZHANG_ISOLATED=1 builds in a venv that does not see the
# system's site-packages (slower: downloads every dependency). Needs poppler-utils (pdffonts, pdftotext).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/build/pyi-venv"
DIST="$ROOT/dist/taizhang"
PYINSTALLER_SPEC="pyinstaller>=6.10,<7"
TODAY="2026-10-31"
MONTH="2026-10"

STEPS=()
fail() {
  echo "失败：$*" >&2
  exit 1
}
now() { date +%s.%N; }
record() { # name start
  STEPS+=("$(awk -v a="$2" -v b="$(now)" -v n="$1" 'BEGIN { printf "%-15s %6.1f s", n, b - a }')")
}

build() {
  local t
  t=$(now)
  mkdir -p "$ROOT/build"
  if [ ! -x "$VENV/bin/python" ]; then
    if [ "${TAIZHANG_ISOLATED:-0}" = "1" ]; then
      "$PYTHON" -m venv "$VENV"
    else
      "$PYTHON" -m venv --system-site-packages "$VENV"
    fi
  fi
  "$VENV/bin/python" -m pip install -q "$PYINSTALLER_SPEC" -e . >"$ROOT/build/pip.log" 2>&1 ||
    { cat "$ROOT/build/pip.log" >&2; fail "pip 安装 PyInstaller 和本软件失败"; }
  "$VENV/bin/python" -c "import PyInstaller, app.cli" || fail "虚拟环境中没有装好 PyInstaller 或本软件"
  record "venv+pip" "$t"

  t=$(now)
  "$VENV/bin/pyinstaller" --noconfirm --log-level WARN --distpath "$ROOT/dist" \
    --workpath "$ROOT/build/pyinstaller" packaging/taizhang.spec
  record "pyinstaller" "$t"
}

prove() {
  local t shot pdf xlsx db help fonts text
  [ -x "$DIST/taizhang" ] || fail "没有找到 $DIST/taizhang，请先构建"
  command -v pdffonts >/dev/null && command -v pdftotext >/dev/null ||
    fail "需要 poppler-utils（pdffonts、pdftotext）：apt-get install poppler-utils"
  TMP_PROOF="$(mktemp -d)"
  tmp="$TMP_PROOF"
  trap 'rm -rf "$TMP_PROOF"' EXIT
  # Nothing of this machine's user folders: data, settings and cache all in the temp folder.
  export QT_QPA_PLATFORM=offscreen HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" \
    XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache"
  mkdir -p "$HOME"
  cd "$tmp" # the bundle must not depend on the checkout being the working folder
  db="$tmp/demo.db"
  pdf="$tmp/wall.pdf"
  xlsx="$tmp/report.xlsx"
  shot="$tmp/window.png"

  t=$(now)
  help="$("$DIST/taizhang-cli" --help)" || fail "taizhang-cli --help 出错"
  grep -q "三本台账" <<<"$help" || fail "taizhang-cli --help 没有输出中文说明"
  record "start (--help)" "$t"

  t=$(now)
  "$DIST/taizhang" demo --db "$db" --today "$TODAY" --items 200 || fail "demo 命令出错"
  "$VENV/bin/python" - "$db" <<'EOF' || fail "演示数据库不完整"
import sqlite3, sys
from app.store.migrate import head_revision
con = sqlite3.connect(sys.argv[1])
rev = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
items = con.execute("SELECT count(*) FROM item").fetchone()[0]
assert rev == head_revision(), f"数据库版本 {rev}，应为 {head_revision()}（迁移脚本没打进包？）"
assert items == 200, f"事项 {items} 件，应为 200 件"
print(f"  数据库版本 {rev}，事项 {items} 件")
EOF
  record "demo" "$t"

  t=$(now)
  "$DIST/taizhang" export-pdf --db "$db" --today "$TODAY" --month "$MONTH" --out "$pdf" || fail "export-pdf 出错"
  # Output captured first: `producer | grep -q` fails under pipefail when grep stops reading early.
  fonts="$(pdffonts "$pdf")"
  text="$(pdftotext "$pdf" -)"
  grep -Eq 'WenQuanYi.*TrueType.* yes +yes' <<<"$fonts" || fail "公示表PDF没有嵌入文泉驿中文字体：$fonts"
  grep -q "柳林沟村${MONTH%%-*}年${MONTH##*-}月" <<<"$text" || fail "公示表PDF中没有村名和月份文字"
  grep -q "民生台账" <<<"$text" || fail "公示表PDF中没有“民生台账”"
  echo "  PDF：$(grep -c WenQuanYi <<<"$fonts") 个嵌入的文泉驿字体子集，文字 ${#text} 个字符"
  record "export-pdf" "$t"

  t=$(now)
  "$DIST/taizhang" export-xlsx --db "$db" --today "$TODAY" --out "$xlsx" || fail "export-xlsx 出错"
  "$VENV/bin/python" - "$xlsx" <<'EOF' || fail "上报工作簿读不回来"
import sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
for name in ("汇总", "民生台账", "困难群众台账", "稳定工作台账", "历史"):
    assert name in wb.sheetnames, f"缺少工作表 {name}：{wb.sheetnames}"
rows = sum(1 for name in ("民生台账", "困难群众台账", "稳定工作台账") for _ in wb[name].iter_rows())
assert rows > 200, f"三本台账共 {rows} 行，应多于 200 行（含表头）"
print(f"  工作表 {len(wb.sheetnames)} 张，三本台账共 {rows} 行")
EOF
  record "export-xlsx" "$t"

  t=$(now)
  "$DIST/taizhang" gui --db "$db" --today "$TODAY" --page minsheng --screenshot "$shot" || fail "gui --screenshot 出错"
  "$VENV/bin/python" - "$shot" <<'EOF' || fail "截图是空白的或没有生成"
import sys
from PIL import Image
img = Image.open(sys.argv[1]).convert("RGB")
colors = img.getcolors(1 << 24) or []
assert img.width >= 800 and img.height >= 500, f"截图太小：{img.size}"
assert len(colors) >= 16, f"截图几乎是空白：只有 {len(colors)} 种颜色"
print(f"  截图 {img.width}x{img.height}，{len(colors)} 种颜色")
EOF
  record "gui screenshot" "$t"

  t=$(now)
  "$DIST/taizhang-cli" ledgers >/dev/null || fail "默认数据目录下 ledgers 出错"
  [ -f "$XDG_DATA_HOME/taizhang/taizhang.db" ] || fail "没有在用户数据目录建立数据库"
  record "default folder" "$t"

  if [ -n "${TAIZHANG_KEEP_PROOF:-}" ]; then # keep the outputs to look at them
    mkdir -p "$TAIZHANG_KEEP_PROOF" && cp "$pdf" "$xlsx" "$shot" "$TAIZHANG_KEEP_PROOF/"
  fi
}

if [ "${1:-}" != "--no-build" ]; then
  build
fi
prove
echo
echo "dist/taizhang：$(du -sh "$DIST" | cut -f1)，$(find "$DIST" -type f | wc -l) 个文件"
printf '%s\n' "${STEPS[@]}"
echo "全部通过"
