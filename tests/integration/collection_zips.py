"""Collection archives for the installCollection tests, built in memory.

zipfile makes the well-formed ones; what zipfile refuses to write (a NUL in
a name, the encryption flag, sizes that lie, a damaged CRC) is made by
patching the bytes of a zipfile-made archive, always in both the local and
the central header so that libzip's ZIP_CHECKCONS sees a consistent lie.
"""
import io
import struct
import uuid
import warnings
import zipfile
from xml.sax.saxutils import quoteattr

STORED = zipfile.ZIP_STORED
DEFLATED = zipfile.ZIP_DEFLATED

# external_attr modes (high 16 bits) with create_system = 3 (Unix).
SYMLINK_MODE = 0o120777
CHAR_DEVICE_MODE = 0o020644

# Local file header and central directory header layouts (APPNOTE 4.3.7/4.3.12).
_LOCAL_SIG = b"PK\x03\x04"
_CENTRAL_SIG = b"PK\x01\x02"
_EOCD_SIG = b"PK\x05\x06"
_LOCAL = {"flags": 6, "crc": 14, "comp_size": 18, "size": 22, "name_len": 26, "extra_len": 28,
          "name": 30}
_CENTRAL = {"flags": 8, "crc": 16, "comp_size": 20, "size": 24, "name_len": 28, "extra_len": 30,
            "comment_len": 32, "external_attr": 38, "local_offset": 42, "name": 46}


def new_guid():
    return "{" + str(uuid.uuid4()) + "}"


def manifest(name="Test collection", guid=None, children="", root="Collection", extra_attrs="",
             omit=()):
    """A manifest: <root name guid ...>children</root>. `omit` names attributes to leave out."""
    attrs = []
    if "name" not in omit:
        attrs.append(f"name={quoteattr(name)}")
    if "guid" not in omit:
        attrs.append(f"guid={quoteattr(guid or new_guid())}")
    if extra_attrs:
        attrs.append(extra_attrs)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<{root} {" ".join(attrs)}>\n{children}\n'
            f'</{root}>\n')


def resource(name, type_="www", path=""):
    return f"<Resource name={quoteattr(name)} type={quoteattr(type_)} path={quoteattr(path)}/>"


def make_zip(entries):
    """`entries`: (name, data) or (name, data, options) with options
    compress (STORED/DEFLATED, default DEFLATED) and mode (a Unix st_mode put
    in external_attr with create_system = 3). Duplicate names are allowed."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(buf, "w") as z:
            for entry in entries:
                name, data = entry[0], entry[1]
                opts = entry[2] if len(entry) > 2 else {}
                info = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
                info.compress_type = opts.get("compress", DEFLATED)
                info.create_system = 3
                if "mode" in opts:
                    info.external_attr = opts["mode"] << 16
                else:
                    info.external_attr = 0o100644 << 16
                z.writestr(info, data.encode() if isinstance(data, str) else data)
    return buf.getvalue()


def collection_zip(files, xml=None, manifest_name="collection.xml", **manifest_args):
    """A collection: the manifest (xml, or manifest(**manifest_args)) followed by `files`."""
    if xml is None:
        xml = manifest(**manifest_args)
    return make_zip([(manifest_name, xml)] + list(files))


class _Entry:
    def __init__(self, name, central, local):
        self.name = name
        self.central = central
        self.local = local


def entries_of(data):
    """The central directory of a (non-zip64) archive: name, central and local offsets."""
    eocd = data.rfind(_EOCD_SIG)
    if eocd < 0:
        raise ValueError("no end of central directory record")
    count, _, cd_offset = struct.unpack_from("<HII", data, eocd + 10)
    out = []
    pos = cd_offset
    for _ in range(count):
        if data[pos:pos + 4] != _CENTRAL_SIG:
            raise ValueError(f"bad central header at {pos}")
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + _CENTRAL["name_len"])
        local = struct.unpack_from("<I", data, pos + _CENTRAL["local_offset"])[0]
        if data[local:local + 4] != _LOCAL_SIG:
            raise ValueError(f"bad local header at {local}")
        name = bytes(data[pos + 46:pos + 46 + name_len])
        out.append(_Entry(name, pos, local))
        pos += 46 + name_len + extra_len + comment_len
    return out


def _find(data, name):
    key = name.encode() if isinstance(name, str) else name
    for e in entries_of(data):
        if e.name == key:
            return e
    raise KeyError(name)


def patch(data, name, *, or_flags=0, size=None, new_name=None, flip_data_byte=None):
    """Returns `data` with entry `name` changed in both headers:
    or_flags   bits OR-ed into the general purpose flags (1: encrypted);
    size       the declared uncompressed size;
    new_name   a replacement name of the same length (bytes: may hold a NUL);
    flip_data_byte  index into the entry's (compressed) data whose byte is inverted
                    (the CRC in the headers then no longer matches)."""
    b = bytearray(data)
    e = _find(b, name)
    if or_flags:
        for base, table in ((e.local, _LOCAL), (e.central, _CENTRAL)):
            off = base + table["flags"]
            struct.pack_into("<H", b, off, struct.unpack_from("<H", b, off)[0] | or_flags)
    if size is not None:
        struct.pack_into("<I", b, e.local + _LOCAL["size"], size)
        struct.pack_into("<I", b, e.central + _CENTRAL["size"], size)
    if new_name is not None:
        new = new_name.encode() if isinstance(new_name, str) else new_name
        if len(new) != len(e.name):
            raise ValueError("new_name must keep the length of the name")
        b[e.local + 30:e.local + 30 + len(new)] = new
        b[e.central + 46:e.central + 46 + len(new)] = new
    if flip_data_byte is not None:
        name_len, extra_len = struct.unpack_from("<HH", b, e.local + _LOCAL["name_len"])
        start = e.local + 30 + name_len + extra_len
        comp_size = struct.unpack_from("<I", b, e.local + _LOCAL["comp_size"])[0]
        if not 0 <= flip_data_byte < comp_size:
            raise ValueError("flip_data_byte is outside the entry's data")
        b[start + flip_data_byte] ^= 0xFF
    return bytes(b)


def multipart(parts, boundary="----collectionTestBoundary7MA4YWxkTrZu0gW", close=True):
    """A multipart/form-data body. `parts`: (field, filename or None, bytes, content type or None).
    Returns (body, boundary); with close=False the closing delimiter is left out."""
    out = io.BytesIO()
    for field, filename, data, ctype in parts:
        out.write(f"--{boundary}\r\n".encode())
        disposition = f'Content-Disposition: form-data; name="{field}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out.write(disposition.encode() + b"\r\n")
        if ctype:
            out.write(f"Content-Type: {ctype}\r\n".encode())
        out.write(b"\r\n")
        out.write(data if isinstance(data, bytes) else data.encode())
        out.write(b"\r\n")
    if close:
        out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), boundary
