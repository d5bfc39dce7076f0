#!/usr/bin/env python3
"""Packs the built extension into store-ready zips.

The unpacked build (one manifest.json for both browsers) loads unchanged in Chromium and
Firefox. The store zips trim the keys each store warns about:
  Chrome Web Store: no `browser_specific_settings`, no `background.scripts`.
  addons.mozilla.org: no `background.service_worker` (Firefox runs `scripts` as an event page).
Entries are sorted and time-stamped 1980-01-01 so the same input gives the same zip.
"""
import json
import sys
import zipfile
from pathlib import Path


def pack(src: Path, dest: Path, manifest: dict) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for path in sorted(p for p in src.rglob("*") if p.is_file()):
            rel = path.relative_to(src).as_posix()
            data = json.dumps(manifest, indent=2).encode() if rel == "manifest.json" else path.read_bytes()
            info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)


def main() -> None:
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    manifest = json.loads((src / "manifest.json").read_text())
    version = manifest["version"]

    chrome = json.loads(json.dumps(manifest))
    chrome.pop("browser_specific_settings", None)
    chrome["background"].pop("scripts", None)
    pack(src, out / f"messaging-doctor-{version}-chrome.zip", chrome)

    firefox = json.loads(json.dumps(manifest))
    firefox["background"].pop("service_worker", None)
    firefox.pop("minimum_chrome_version", None)
    pack(src, out / f"messaging-doctor-{version}-firefox.zip", firefox)
    for name in sorted(p.name for p in out.glob("*.zip")):
        print(f"dist/{name}")


if __name__ == "__main__":
    main()
