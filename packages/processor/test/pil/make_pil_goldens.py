#!/usr/bin/python3
"""make_pil_goldens.py: small image files in the variants where decoders disagree with PIL, and PIL's RGB.

Writes packages/processor/test/pil/files/* and pil_goldens.json ({name: file, width, height, rgb
base64}), which pil_parity.test.ts compares loadImage against byte for byte. Committed, so the tests
run without Python.

Generated with Debian 12's python3-pil (Pillow 9.4.0, libjpeg-turbo 2.1.5 via libjpeg62-turbo,
zlib 1.2.13, libtiff 4.5) and libjpeg-turbo-progs 2.1.5 (cjpeg, jpegtran for arithmetic coding):

    apt-get install -y python3-pil libjpeg-turbo-progs
    /usr/bin/python3 packages/processor/test/pil/make_pil_goldens.py

The PNG, GIF and some TIFF files are written by hand (below) to reach variants PIL cannot write:
16-bit color, Adam7 with every filter type, short palettes, a zlib stream that ends early, GIF
frames offset inside the screen, TIFF predictor / tiles / planar / fill order / premultiplied alpha.
"""
import base64, io, json, os, struct, subprocess, sys, tempfile, zlib

import PIL
from PIL import Image, features

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "files")
goldens = {}


def add(name, data):
    """Write `data` to files/name and record PIL's convert("RGB") of it."""
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    im = Image.open(io.BytesIO(data))
    rgb = im.convert("RGB")
    goldens[name] = {"mode": im.mode, "width": rgb.width, "height": rgb.height, "rgb": base64.b64encode(rgb.tobytes()).decode()}


# ---------------------------------------------------------------- PNG
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def filter_rows(rows, bpp, first_filter=0):
    """Filter each row with type (first_filter + row index) % 5: all five filters get used."""
    out, prev = b"", bytes(len(rows[0])) if rows else b""
    for j, row in enumerate(rows):
        t = (first_filter + j) % 5
        f = bytearray()
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][t]
            f.append((x - pred) & 255)
        out += bytes([t]) + bytes(f)
        prev = row
    return out


def pack(samples, depth):
    """Samples of one row at `depth` bits (1, 2, 4, 8, 16) into bytes, big endian."""
    if depth == 16:
        return b"".join(struct.pack(">H", v) for v in samples)
    if depth == 8:
        return bytes(samples)
    out, acc, n = bytearray(), 0, 0
    for v in samples:
        acc, n = (acc << depth) | v, n + depth
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def png(w, h, depth, ctype, pixel, interlace=0, extra=b"", stream=None):
    """pixel(x, y) -> tuple of samples. Adam7 when interlace=1."""
    ch = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    bpp = max(1, ch * depth // 8)
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)] if interlace else [(0, 0, 1, 1)]
    raw = b""
    for k, (x0, y0, dx, dy) in enumerate(passes):
        xs, ys = range(x0, w, dx), range(y0, h, dy)
        if not xs or not ys:
            continue
        rows = [pack([s for x in xs for s in pixel(x, y)], depth) for y in ys]
        raw += filter_rows(rows, bpp, k)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace)
    data = zlib.compress(raw) if stream is None else stream(raw)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def v16(x, y):
    """16-bit values that cover the 0..255 range (where PIL's clipping shows) and the rest."""
    return [0, 1, 100, 200, 255, 256, 300, 1000, 4095, 32767, 32768, 40000, 65280, 65534, 65535, 77][(x + 3 * y) % 16] * ((x * y) % 3 + 1) % 65536


def make_png():
    add("gray16.png", png(16, 8, 16, 0, lambda x, y: (v16(x, y),)))
    add("gray16_adam7.png", png(13, 7, 16, 0, lambda x, y: (v16(x, y),), interlace=1))
    add("gray16_trns.png", png(9, 4, 16, 0, lambda x, y: (v16(x, y),), extra=chunk(b"tRNS", struct.pack(">H", 300))))
    add("gray_alpha16.png", png(11, 5, 16, 4, lambda x, y: (v16(x, y), v16(y, x))))
    add("rgb16.png", png(12, 6, 16, 2, lambda x, y: (v16(x, y), v16(y, x), (x * 5000 + y * 77) % 65536)))
    add("rgba16_adam7.png", png(13, 9, 16, 6, lambda x, y: (v16(x, y), v16(y, x), (x * 5000) % 65536, 1234), interlace=1))
    for d in (1, 2, 4):
        add(f"gray{d}.png", png(11, 5, d, 0, lambda x, y: ((x + y) % (1 << d),)))
    pal = bytes([10, 20, 30, 200, 100, 0, 0, 255, 128, 7, 8, 9, 250, 250, 5])  # 5 entries
    for d in (1, 2, 4, 8):
        add(f"palette{d}.png", png(9, 5, d, 3, lambda x, y: ((x * 3 + y) % (1 << d),), extra=chunk(b"PLTE", pal) + chunk(b"tRNS", b"\x00\x80")))
    add("palette8_no_plte.png", png(6, 3, 8, 3, lambda x, y: (x * 40 + y,)))
    add("rgb8_filters_adam7.png", png(13, 11, 8, 2, lambda x, y: ((x * 19) % 256, (y * 23) % 256, (x * y * 7) % 256), interlace=1))
    add("rgb8_trns.png", png(5, 3, 8, 2, lambda x, y: (x * 50, y * 80, 7), extra=chunk(b"tRNS", struct.pack(">HHH", 50, 80, 7))))
    # A complete zlib stream that holds only the first 2 of 5 rows: PIL leaves the rest 0 (palette[0]).
    # (Cut inside a row, PIL says "image file is truncated": png_decoder.test.ts checks that case.)
    add("palette_short_stream.png", png(6, 5, 8, 3, lambda x, y: (1 + (x + y) % 4,), extra=chunk(b"PLTE", pal), stream=lambda raw: zlib.compress(raw[: 2 * 7])))


# ---------------------------------------------------------------- JPEG
def run(*cmd, data=None):
    return subprocess.run(cmd, input=data, capture_output=True, check=True).stdout


def make_jpeg():
    cmyk = Image.new("CMYK", (19, 13))
    cmyk.putdata([((x * 13) % 256, (y * 19) % 256, (x * y * 5) % 256, ((x + y) * 9) % 256) for y in range(13) for x in range(19)])
    b = io.BytesIO()
    cmyk.save(b, "JPEG", quality=92)
    adobe = b.getvalue()  # PIL writes an Adobe APP14 marker (transform 0) and inverted CMYK
    add("cmyk_adobe.jpg", adobe)
    i = adobe.index(b"\xff\xee")
    add("cmyk_no_adobe.jpg", adobe[:i] + adobe[i + 2 + struct.unpack(">H", adobe[i + 2 : i + 4])[0] :])
    j = adobe.index(b"Adobe") + 11  # the transform byte
    add("ycck.jpg", adobe[:j] + b"\x02" + adobe[j + 1 :])  # same planes read as YCCK: different colors, still valid
    add("cmyk_arith.jpg", run("jpegtran", "-arithmetic", data=adobe))
    rgb = Image.new("RGB", (37, 23))
    rgb.putdata([((x * 7) % 256, (y * 11) % 256, ((x * y) * 3) % 256) for y in range(23) for x in range(37)])
    ppm = io.BytesIO()
    rgb.save(ppm, "PPM")
    with tempfile.NamedTemporaryFile(suffix=".ppm") as f:
        f.write(ppm.getvalue())
        f.flush()
        add("arith_420.jpg", run("cjpeg", "-arithmetic", "-quality", "85", "-sample", "2x2", f.name))
        add("arith_422_restart.jpg", run("cjpeg", "-arithmetic", "-quality", "90", "-sample", "2x1", "-restart", "1", f.name))
        add("arith_progressive.jpg", run("cjpeg", "-arithmetic", "-progressive", "-quality", "80", "-sample", "2x2", f.name))
        add("arith_progressive_restart.jpg", run("cjpeg", "-arithmetic", "-progressive", "-restart", "2", "-quality", "95", f.name))
        add("arith_gray.jpg", run("cjpeg", "-arithmetic", "-grayscale", "-quality", "75", f.name))


# ---------------------------------------------------------------- GIF
def lzw_gif(indices, min_size):
    """Uncompressed-style GIF LZW: a clear code every (2^min_size - 2) codes keeps the width fixed."""
    clear, codes = 1 << min_size, []
    for k, v in enumerate(indices):
        if k % (clear - 2) == 0:
            codes.append(clear)
        codes.append(v)
    codes.append(clear + 1)
    out, acc, n, size = bytearray(), 0, 0, min_size + 1
    for c in codes:
        acc |= c << n
        n += size
        while n >= 8:
            out.append(acc & 255)
            acc >>= 8
            n -= 8
    if n:
        out.append(acc & 255)
    return b"".join(bytes([len(out[i : i + 255])]) + bytes(out[i : i + 255]) for i in range(0, len(out), 255)) + b"\x00"


def gif(sw, sh, frame, global_pal=None, local_pal=None, transparent=None, interlace=False):
    x0, y0, w, h, pixel = frame
    flags = 0
    if global_pal is not None:
        flags = 0x80 | ((len(global_pal) // 3).bit_length() - 2)
    out = b"GIF89a" + struct.pack("<HHBBB", sw, sh, flags, 0, 0) + (global_pal or b"")
    if transparent is not None:
        out += b"\x21\xf9\x04\x01\x00\x00" + bytes([transparent]) + b"\x00"
    lf = (0x80 | ((len(local_pal) // 3).bit_length() - 2)) if local_pal else 0
    out += b"\x2c" + struct.pack("<HHHHB", x0, y0, w, h, lf | (0x40 if interlace else 0)) + (local_pal or b"")
    rows = list(range(h))
    if interlace:
        rows = list(range(0, h, 8)) + list(range(4, h, 8)) + list(range(2, h, 4)) + list(range(1, h, 2))
    out += b"\x03" + lzw_gif([pixel(x, y) for y in rows for x in range(w)], 3)
    return out + b"\x3b"


def make_gif():
    pal4 = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 250, 250, 10])  # 4 entries, indices up to 7 are used
    add("gif_offset_transparent.gif", gif(12, 9, (2, 3, 7, 5, lambda x, y: (x + y) % 8), global_pal=pal4, transparent=1))
    add("gif_interlaced_local.gif", gif(10, 11, (0, 0, 10, 11, lambda x, y: (x * y) % 8, ), local_pal=pal4 + bytes(12), interlace=True))
    add("gif_frame_outside_screen.gif", gif(4, 3, (2, 1, 5, 4, lambda x, y: x % 4), global_pal=pal4))
    add("gif_no_palette.gif", gif(5, 4, (0, 0, 5, 4, lambda x, y: (x + 2 * y) % 8)))


# ---------------------------------------------------------------- TIFF
def lzw_tiff(data):
    """TIFF LZW: MSB-first codes, each as wide as the decoder's table (one entry behind, early change)."""
    table, nxt, codes, w = {bytes([i]): i for i in range(256)}, 258, [256], b""
    for byte in data:
        wc = w + bytes([byte])
        if wc in table:
            w = wc
            continue
        codes.append(table[w])
        table[wc], nxt, w = nxt, nxt + 1, bytes([byte])
        if nxt >= 4000:  # start over well before the 4096-entry limit
            codes.append(256)
            table, nxt = {bytes([i]): i for i in range(256)}, 258
    if w:
        codes.append(table[w])
    codes.append(257)
    out, acc, n, width, dnext, first = bytearray(), 0, 0, 9, 258, True
    for c in codes:
        acc, n = (acc << width) | c, n + width
        while n >= 8:
            out.append((acc >> (n - 8)) & 255)
            n -= 8
            acc &= (1 << n) - 1
        if c == 256:
            width, dnext, first = 9, 258, True
        elif c == 257:
            pass
        elif first:
            first = False
        else:
            dnext += 1
            if dnext + 1 >= (1 << width) and width < 12:
                width += 1
    if n:
        out.append((acc << (8 - n)) & 255)
    return bytes(out)


def tiff(w, h, tags, strips, le=True):
    """tags: {tag: (type, [values])}; strips: list of byte strings (offsets/counts filled in)."""
    e = "<" if le else ">"
    data_start = 8
    blobs = b"".join(strips)
    offsets, o = [], data_start
    for s in strips:
        offsets.append(o)
        o += len(s)
    key = 324 if 322 in tags else 273
    tags = dict(tags)
    tags[key] = (4, offsets)
    tags[key + 1 if key == 324 else 279] = (4, [len(s) for s in strips])
    tags[256], tags[257] = (4, [w]), (4, [h])
    ifd_at = data_start + len(blobs)
    ifd_at += ifd_at % 2
    entries, extra = b"", b""
    extra_at = ifd_at + 2 + 12 * len(tags) + 4
    for tag in sorted(tags):
        typ, vals = tags[tag]
        fmt = {1: "B", 3: "H", 4: "I"}[typ]
        payload = struct.pack(e + fmt * len(vals), *vals)
        if len(payload) <= 4:
            entries += struct.pack(e + "HHI", tag, typ, len(vals)) + payload.ljust(4, b"\0")
        else:
            entries += struct.pack(e + "HHII", tag, typ, len(vals), extra_at + len(extra))
            extra += payload + (b"\0" if len(payload) % 2 else b"")
    head = (b"II" if le else b"MM") + struct.pack(e + "HI", 42, ifd_at)
    body = blobs + b"\0" * (ifd_at - data_start - len(blobs))
    return head + body + struct.pack(e + "H", len(tags)) + entries + struct.pack(e + "I", 0) + extra


def make_tiff():
    base = Image.new("RGB", (11, 7))
    base.putdata([((x * 23) % 256, (y * 37) % 256, ((x + y) * 11) % 256) for y in range(7) for x in range(11)])
    for comp in ("raw", "tiff_lzw", "tiff_adobe_deflate", "packbits"):
        b = io.BytesIO()
        base.save(b, "TIFF", compression=comp)
        add(f"pil_rgb_{comp}.tif", b.getvalue())
    for mode in ("L", "1", "P", "RGBA", "CMYK", "LA", "I;16"):
        b = io.BytesIO()
        base.convert(mode if mode != "I;16" else "L").convert(mode).save(b, "TIFF", compression="tiff_lzw" if mode == "P" else "raw")
        add(f"pil_{mode.replace(';', '')}.tif", b.getvalue())
    w, h = 9, 5
    rgb16 = lambda le: b"".join(struct.pack("<HHH" if le else ">HHH", v16(x, y), v16(y, x), (x * 7000) % 65536) for y in range(h) for x in range(w))
    rgbtags = {258: (3, [16, 16, 16]), 262: (3, [2]), 277: (3, [3]), 278: (3, [h])}
    add("rgb16_le.tif", tiff(w, h, rgbtags, [rgb16(True)]))
    add("rgb16_be.tif", tiff(w, h, rgbtags, [rgb16(False)], le=False))
    gray16 = b"".join(struct.pack(">H", v16(x, y)) for y in range(h) for x in range(w))
    add("gray16_be.tif", tiff(w, h, {258: (3, [16]), 262: (3, [1]), 278: (3, [h])}, [gray16], le=False))
    signed = b"".join(struct.pack("<h", (v16(x, y) - 32768)) for y in range(h) for x in range(w))
    add("gray16_signed.tif", tiff(w, h, {258: (3, [16]), 262: (3, [1]), 278: (3, [h]), 339: (3, [2])}, [signed]))
    px = lambda x, y: ((x * 23) % 256, (y * 37) % 256, ((x + y) * 11) % 256)
    rows = [bytes(c for x in range(w) for c in px(x, y)) for y in range(h)]
    diff = b"".join(bytes((r[i] - (r[i - 3] if i >= 3 else 0)) & 255 for i in range(len(r))) for r in rows)
    check_rgb = lambda name, ww, hh, f: Image.open(os.path.join(OUT, name)).convert("RGB").tobytes() == bytes(c for y in range(hh) for x in range(ww) for c in f(x, y)) or sys.exit(f"PIL does not read {name} as intended")
    add("rgb_lzw_predictor.tif", tiff(w, h, {258: (3, [8, 8, 8]), 259: (3, [5]), 262: (3, [2]), 277: (3, [3]), 278: (3, [2]), 317: (3, [2])}, [lzw_tiff(diff[i * 3 * w * 2 : (i + 1) * 3 * w * 2]) for i in range(3)]))
    check_rgb("rgb_lzw_predictor.tif", w, h, px)
    add("rgb_deflate_strips.tif", tiff(w, h, {258: (3, [8, 8, 8]), 259: (3, [8]), 262: (3, [2]), 277: (3, [3]), 278: (3, [2])}, [zlib.compress(b"".join(rows[i : i + 2])) for i in range(0, h, 2)]))
    tw, th = 16, 16  # one 16x16 tile per 9x5 image... use a wider image: 2x1 tiles
    W, H = 20, 5
    tile = lambda tx: b"".join(bytes(c for x in range(tx * tw, tx * tw + tw) for c in (px(x, y) if x < W and y < H else (0, 0, 0))) for y in range(th))
    add("rgb_tiled.tif", tiff(W, H, {258: (3, [8, 8, 8]), 262: (3, [2]), 277: (3, [3]), 322: (3, [tw]), 323: (3, [th])}, [tile(0), tile(1)]))
    check_rgb("rgb_tiled.tif", W, H, px)
    planes = [bytes(px(x, y)[c] for y in range(h) for x in range(w)) for c in range(3)]
    add("rgb_planar.tif", tiff(w, h, {258: (3, [8, 8, 8]), 262: (3, [2]), 277: (3, [3]), 278: (3, [h]), 284: (3, [2])}, planes))
    check_rgb("rgb_planar.tif", w, h, px)
    rev = lambda b: int(f"{b:08b}"[::-1], 2)
    bilevel = bytes(rev(0b10110010 ^ y) for y in range(h) for _ in range(2))  # 9 px -> 2 bytes per row
    add("bilevel_fillorder2.tif", tiff(9, h, {258: (3, [1]), 262: (3, [1]), 266: (3, [2]), 278: (3, [h])}, [bilevel]))
    add("white_is_zero8.tif", tiff(w, h, {258: (3, [8]), 262: (3, [0]), 278: (3, [h])}, [bytes((x * 29 + y * 3) % 256 for y in range(h) for x in range(w))]))
    add("white_is_zero4.tif", tiff(8, h, {258: (3, [4]), 262: (3, [0]), 278: (3, [h])}, [bytes(((x * 2 + y) % 16) << 4 | ((x * 2 + 1 + y) % 16) for y in range(h) for x in range(4))]))
    rgba = b"".join(bytes([*px(x, y)[:3], (x * 40 + y * 9) % 256]) for y in range(h) for x in range(w))
    premul = bytes(min(rgba[i], rgba[i - i % 4 + 3]) if i % 4 != 3 else rgba[i] for i in range(len(rgba)))
    add("rgba_premultiplied.tif", tiff(w, h, {258: (3, [8, 8, 8, 8]), 262: (3, [2]), 277: (3, [4]), 278: (3, [h]), 338: (3, [1])}, [premul]))
    cmap = [(i * 4000) % 65536 for i in range(16)] + [(i * 3000 + 500) % 65536 for i in range(16)] + [65535 - i * 4000 for i in range(16)]
    add("palette4.tif", tiff(8, h, {258: (3, [4]), 262: (3, [3]), 278: (3, [h]), 320: (3, cmap)}, [bytes(((x * 2 + y) % 16) << 4 | ((x * 3 + y) % 16) for y in range(h) for x in range(4))]))


def make_bmp_seeds():
    """BMP seeds for fuzz_images.test.ts (../fuzz_corpus): bmp-ts decodes them, they are not goldens."""
    corpus = os.path.join(HERE, "..", "fuzz_corpus")
    os.makedirs(corpus, exist_ok=True)
    im = Image.new("RGB", (13, 7))
    im.putdata([((x * 19) % 256, (y * 37) % 256, (x * y * 5) % 256) for y in range(7) for x in range(13)])
    for name, mode in (("rgb24", "RGB"), ("palette8", "P"), ("bilevel", "1"), ("gray8", "L"), ("rgba32", "RGBA")):
        im.convert(mode).save(os.path.join(corpus, f"{name}.bmp"))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    make_png()
    make_jpeg()
    make_gif()
    make_tiff()
    make_bmp_seeds()
    versions = {"pillow": PIL.__version__, "libjpeg": features.version("jpg"), "libjpeg_turbo": features.check_feature("libjpeg_turbo"), "zlib": features.version("zlib"), "libtiff": features.version("libtiff")}
    with open(os.path.join(HERE, "pil_goldens.json"), "w") as f:
        json.dump({"versions": versions, "cases": goldens}, f, indent=1, sort_keys=True)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in goldens)
    print(f"{len(goldens)} files, {total} bytes, PIL {PIL.__version__}", file=sys.stderr)
