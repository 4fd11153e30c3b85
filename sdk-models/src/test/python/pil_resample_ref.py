"""Independent numpy reference of Pillow's Image.resize for 8-bit images (libImaging/Resample.c).

Written from Pillow's C source, structured differently from the Java port (vectorised coefficient
application), so a transcription slip in one shows up as a mismatch. Also writes small PNG files
(RGB, RGBA, grey, palette) with zlib by hand, to check the image-reading path.

Regenerate the fixtures with:  python3 pil_resample_ref.py ../resources/blip-reference
"""
import json
import math
import struct
import sys
import zlib

import numpy as np

PRECISION_BITS = 22


def bicubic(x):
    a = -0.5
    x = abs(x)
    if x < 1.0:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1
    if x < 2.0:
        return (((x - 5) * x + 8) * x - 4) * a
    return 0.0


def bilinear(x):
    x = abs(x)
    return 1.0 - x if x < 1.0 else 0.0


FILTERS = {"bicubic": (bicubic, 2.0), "bilinear": (bilinear, 1.0)}


def coeffs(in_size, out_size, filt):
    fn, fsupport = FILTERS[filt]
    scale = float(np.float32(in_size) - np.float32(0)) / out_size
    filterscale = max(scale, 1.0)
    support = fsupport * filterscale
    rows = []
    for xx in range(out_size):
        center = (xx + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), in_size)
        ss = 1.0 / filterscale
        w = np.array([fn((x + xmin - center + 0.5) * ss) for x in range(xmax - xmin)])
        # sequential sum as in C (order matters only at the last ulp, then rounding to fixed point)
        total = 0.0
        for v in w:
            total += v
        if total != 0.0:
            w = w / total
        fixed = np.where(w < 0, np.trunc(-0.5 + w * (1 << PRECISION_BITS)), np.trunc(0.5 + w * (1 << PRECISION_BITS))).astype(np.int64)
        rows.append((xmin, fixed))
    return rows


def apply_1d(img, rows, axis):
    """img: int64 array [H, W, C]; resamples along axis (1 = horizontal, 0 = vertical)."""
    moved = np.moveaxis(img, axis, 0)
    out = np.empty((len(rows),) + moved.shape[1:], dtype=np.int64)
    for i, (xmin, fixed) in enumerate(rows):
        seg = moved[xmin:xmin + len(fixed)]
        acc = (1 << (PRECISION_BITS - 1)) + np.tensordot(fixed, seg, axes=(0, 0))
        out[i] = np.clip(acc >> PRECISION_BITS, 0, 255)
    return np.moveaxis(out, 0, axis)


def pil_resize(img, out_w, out_h, filt="bicubic"):
    h, w, _ = img.shape
    if (w, h) == (out_w, out_h):
        return img.copy()
    x = img.astype(np.int64)
    if out_w != w:
        x = apply_1d(x, coeffs(w, out_w, filt), 1)
    if out_h != h:
        x = apply_1d(x, coeffs(h, out_h, filt), 0)
    return x


def blip_pixel_values(img_u8, size, mean, std):
    x = pil_resize(img_u8, size, size).astype(np.uint8)
    x = (x.astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - np.array(mean, dtype=np.float32)) / np.array(std, dtype=np.float32)
    return x.transpose(2, 0, 1)


def png_bytes(width, height, color_type, rows, palette=None):
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
    if palette is not None:
        out += chunk(b"PLTE", bytes(palette))
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def main(out_dir):
    rng = np.random.default_rng(20261130)
    cases = []
    for (w, h, ow, oh, filt) in [(37, 23, 16, 16, "bicubic"), (5, 7, 16, 16, "bicubic"), (150, 100, 64, 120, "bicubic"),
                                 (64, 48, 64, 20, "bicubic"), (30, 30, 45, 30, "bicubic"), (41, 29, 13, 17, "bilinear")]:
        img = rng.integers(0, 256, size=(h, w, 3))
        # a smooth gradient plus noise exercises both overshoot clipping and ordinary values
        img[: h // 2, : w // 2] = 255
        res = pil_resize(img, ow, oh, filt)
        cases.append({"width": w, "height": h, "outWidth": ow, "outHeight": oh, "filter": filt,
                      "pixels": img.reshape(-1).tolist(), "expected": res.reshape(-1).tolist()})
    mean = [0.48145466, 0.4578275, 0.40821073]
    std = [0.26862954, 0.26130258, 0.27577711]
    img = rng.integers(0, 256, size=(50, 70, 3))
    pv = blip_pixel_values(img, 24, mean, std)
    processor_case = {"width": 70, "height": 50, "size": 24, "pixels": img.reshape(-1).tolist(),
                      "expected": [float(v) for v in pv.reshape(-1)]}
    with open(f"{out_dir}/pil_resize.json", "w") as f:
        json.dump({"resize": cases, "processor": processor_case}, f)

    # PNG files in four colour types with the RGB values Pillow's convert("RGB") gives for each
    w, h = 9, 6
    rgb = rng.integers(0, 256, size=(h, w, 3))
    alpha = rng.integers(0, 256, size=(h, w, 1))
    grey = rng.integers(0, 256, size=(h, w))
    pal = rng.integers(0, 256, size=(16, 3))
    idx = rng.integers(0, 16, size=(h, w))
    pngs = {
        "rgb.png": (2, [list(r.reshape(-1)) for r in rgb], None, rgb),
        "rgba.png": (6, [list(np.concatenate([rgb, alpha], -1)[y].reshape(-1)) for y in range(h)], None, rgb),
        "grey.png": (0, [list(r) for r in grey], None, np.repeat(grey[..., None], 3, -1)),
        "palette.png": (3, [list(r) for r in idx], list(pal.reshape(-1)), pal[idx]),
    }
    expected = {}
    for name, (ct, rows, palette, as_rgb) in pngs.items():
        with open(f"{out_dir}/{name}", "wb") as f:
            f.write(png_bytes(w, h, ct, [[int(v) for v in r] for r in rows], None if palette is None else [int(v) for v in palette]))
        expected[name] = as_rgb.reshape(-1).astype(int).tolist()
    with open(f"{out_dir}/png_expected.json", "w") as f:
        json.dump({"width": w, "height": h, "rgb": expected}, f)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
