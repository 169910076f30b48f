"""Small real PDF files, built byte by byte in the tests (no third-party documents)."""
import io


def pdf_with_lines(lines) -> bytes:
    """A one-page PDF whose content stream draws each line of text, built byte by byte."""
    shown = " ".join(f"({line}) Tj 0 -16 Td" for line in lines)
    stream = f"BT /F1 11 Tf 60 740 Td {shown} ET".encode("latin-1")
    return _pdf([b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"], stream,
                b"/Font << /F1 5 0 R >>")


def scanned_pdf() -> bytes:
    """A page that only paints a small grey image, as a scanner's output does."""
    pixels = bytes(range(0, 256, 4)) * 4
    image = (b"<< /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray "
             b"/BitsPerComponent 8 /Length %d >>\nstream\n" % len(pixels) + pixels + b"\nendstream")
    return _pdf([image], b"q 500 0 0 700 50 50 cm /Im1 Do Q", b"/XObject << /Im1 5 0 R >>")


def _pdf(extra_objects, stream: bytes, resources: bytes) -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << "
        + resources + b" >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        *extra_objects,
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
