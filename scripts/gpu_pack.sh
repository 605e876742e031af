#!/usr/bin/env bash
# Packs, into .gpu/ (ignored by git), the Python packages a lent GPU machine lacks: it has no package
# registry, its python3 (3.12) already holds torch, numpy, h5py, imageio, matplotlib, psutil, pytest,
# pytest-xdist and hypothesis, and what it carries in is limited to 64 MiB a call.  Qt is most of it:
# PySide6-Essentials' wheel alone is 80 MB, so only the Qt modules hiddenscope and its tests use
# (Core, Gui, Widgets, Svg, OpenGL, Test) and the offscreen platform are kept, packed with xz.
#
#   bash scripts/gpu_pack.sh [PYTHON_VERSION]    # 3.12 unless given; run where pip can reach a registry
#
# Then, with the device tool: carry [".gpu"] and run `bash scripts/gpu_check.sh`; it unpacks .gpu/
# into /tmp and runs on the machine's own python3.  The versions are this .venv's, so the GPU run
# uses what the tests here use (torch excepted: the machine's CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."
pyver=${1:-3.12}
PY=${HIDDENSCOPE_PYTHON:-.venv/bin/python}
out=.gpu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p .git/info
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >>.git/info/exclude
rm -rf "$out"
mkdir -p "$out/whl"

version() { "$PY" -m pip show "$1" 2>/dev/null | awk '/^Version:/{print $2}' || true; }
compiled=()  # wheels built for the machine's Python
pure=()      # pure Python: built here into py3-none-any wheels where the registry has only a source archive
for name in PySide6-Essentials shiboken6 pygame-ce psygnal \
    pyqtgraph superqt pytest-qt colorama mpe2 pettingzoo gymnasium farama-notifications lbforaging rware pyglet \
    vmas gym gym-notices six; do
    v=$(version "$name")
    if [ -z "$v" ] && [[ "$name" =~ ^(superqt|psygnal|colorama)$ ]]; then
        continue  # not among what hiddenscope and its tests need here
    elif [ -z "$v" ]; then
        echo "gpu_pack: $name is not installed in $PY: run bash scripts/test.sh once first" >&2
        exit 2
    fi
    case "$name" in PySide6-Essentials | shiboken6 | pygame-ce | psygnal) compiled+=("$name==$v") ;; *) pure+=("$name==$v") ;; esac
done
platforms=()
for tag in manylinux1 manylinux2010 manylinux2014 manylinux_2_17 manylinux_2_24 manylinux_2_27 manylinux_2_28 \
    manylinux_2_31 manylinux_2_34 manylinux_2_35; do
    platforms+=(--platform "${tag}_x86_64")
done
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version "$pyver" --implementation cp \
    "${platforms[@]}" -d "$work/dl" "${compiled[@]}"
"$PY" -m pip wheel -q --no-deps -w "$work/dl" "${pure[@]}"
if ls "$work"/dl/*.whl | grep -v -e 'none-any' -e "cp${pyver/./}" -e abi3 >/dev/null; then
    echo "gpu_pack: a wheel built here is not pure Python: $(ls "$work"/dl | grep -v -e none-any -e abi3)" >&2
    exit 2
fi

# Qt: the wheels unpacked as an install would lay them out, less what nothing here loads.
site="$work/site"
mkdir -p "$site"
for wheel in "$work"/dl/pyside6_essentials-*.whl "$work"/dl/shiboken6-*.whl; do
    "$PY" -m zipfile -e "$wheel" "$site"
done
rm -f "$work"/dl/pyside6_essentials-*.whl "$work"/dl/shiboken6-*.whl
keep='Core|Gui|Widgets|Svg|SvgWidgets|OpenGL|OpenGLWidgets|Test|DBus|XcbQpa'
find "$site/PySide6/Qt/lib" -name 'libQt6*' | grep -Ev "libQt6(${keep})\.so" | xargs rm -f
find "$site/PySide6" -maxdepth 1 \( -name 'Qt*.abi3.so' -o -name 'Qt*.pyi' \) | grep -Ev "/Qt(${keep//|XcbQpa/})\." | xargs rm -f
for folder in "$site"/PySide6/Qt/plugins/*; do
    case "$(basename "$folder")" in platforms | imageformats | iconengines) ;; *) rm -rf "$folder" ;; esac
done
find "$site/PySide6/Qt/plugins/platforms" -type f ! -name 'libqoffscreen.so' ! -name 'libqminimal.so' -delete
rm -rf "$site"/PySide6/Qt/{qml,libexec,metatypes,resources} "$site"/PySide6/{include,typesystems,glue,scripts}
# Qt's own words (a dialog's Cancel) in the languages hiddenscope speaks: the Chinese-interface test reads them.
find "$site/PySide6/Qt/translations" -type f ! -name 'qtbase_zh_CN.qm' ! -name 'qt_zh_CN.qm' -delete
rm -f "$site"/PySide6/{designer,assistant,linguist,lrelease,lupdate,qmllint,qmlformat,qmlls,rcc,uic,balsam*}
tar -C "$site" -cJf "$out/qt.tar.xz" .
mv "$work"/dl/*.whl "$out/whl/"
total=$(du -sb "$out" | cut -f1)
echo "gpu_pack: $out holds $((total / 2**20)) MiB (Qt $(($(stat -c %s "$out/qt.tar.xz") / 2**20)) MiB, $(ls "$out/whl" | wc -l) wheels) for Python $pyver"
if [ "$total" -gt $((60 * 2**20)) ]; then
    echo "gpu_pack: more than 60 MiB: with the working tree it may not fit a call's 64 MiB" >&2
    exit 2
fi
