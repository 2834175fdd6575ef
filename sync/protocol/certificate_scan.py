"""Finding a certificate's signed text in a file: a photo or scan of the paper (PNG, JPEG, …:
its QR code, read by zxing-cpp), the certificate's PDF (each page rendered by pypdfium2, then
its QR code read) or a text file holding the text. Pure Python, no Qt: the server's command
line and the app (off its GUI thread) share it. Every file is bounded before it is decoded.
"""

from __future__ import annotations

from pathlib import Path

from sync.protocol.certificates import PREFIX, normalise_text
from sync.protocol.errors import FormatError

MAX_FILE_BYTES = 40 * 1024 * 1024
MAX_PIXELS = 60_000_000
MAX_PDF_PAGES = 200
PDF_WIDTH_PX = 1800
"""A landscape A4 page rendered this wide gives the QR code's modules about 6 pixels each."""


def _from_image(image: object) -> list[str]:
    import zxingcpp

    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    return [normalise_text(b.text) for b in found if normalise_text(b.text).startswith(PREFIX)]


def _from_pdf(data: bytes) -> list[str]:
    import pypdfium2

    try:
        doc = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise FormatError("bad_file", f"not a readable PDF: {exc}") from None
    out: list[str] = []
    try:
        for index in range(min(len(doc), MAX_PDF_PAGES)):
            page = doc[index]
            width = page.get_width()
            image = page.render(scale=PDF_WIDTH_PX / width if width > 0 else 1.0, grayscale=True).to_pil()
            out += _from_image(image)
    finally:
        doc.close()
    return out


def _from_picture(path: Path) -> list[str]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                raise FormatError("bad_file", f"the image is over {MAX_PIXELS} pixels")
            image.load()
            return _from_image(image.convert("L"))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise FormatError("bad_file", f"{path.name} is not an image, PDF or certificate text") from exc


def texts_in_file(path: Path) -> list[str]:
    """Every certificate text in ``path`` (a page or picture may hold several); [] when it has
    none. FormatError("bad_file") when the file is not an image, PDF or text, or is too large."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FormatError("bad_file", f"{path.name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    data = path.read_bytes()
    if data.startswith(b"%PDF-"):
        return _from_pdf(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _from_picture(path)
    if "\0" in text:
        return _from_picture(path)
    cleaned = normalise_text(text)
    return [cleaned] if cleaned.startswith(PREFIX) else []
