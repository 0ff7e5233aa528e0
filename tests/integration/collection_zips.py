"""Collection archives for the installCollection tests, built in memory.

zipfile makes the well-formed ones; what zipfile refuses to write (a NUL in
a name, the encryption flag, sizes that lie, a damaged CRC) is made by
patching the bytes of a zipfile-made archive, always in both the local and
the central header so that libzip's ZIP_CHECKCONS sees a consistent lie.
"""
import io
import struct
import zlib
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


def _local_header(name, method, crc, comp_size, size):
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, comp_size, size,
                       len(name), 0) + name


def _central_header(name, method, crc, comp_size, size, offset):
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, 0, method, 0, 0x21,
                       crc, comp_size, size, len(name), 0, 0, 0, 0, 0o100644 << 16, offset) + name


def _end_record(count, cd_size, cd_offset, comment_len):
    return struct.pack("<IIHHIIH", 0x06054B50, 0, count & 0xFFFF, count & 0xFFFF, cd_size,
                       cd_offset, comment_len)


def overlapping_zip_bomb(files, count, kernel_size=1024 * 1024 - 65536):
    """David Fifield's non-recursive zip bomb, "quoted overlap"
    (https://www.bamsoftware.com/hacks/zipbomb/): `files` (name, data), stored,
    then `count` entries bomb0.bin, bomb1.bin, ... whose deflate data quotes
    the next entry's local header in a stored block and goes on with that
    entry's data, so all of them share one deflated kernel of `kernel_size`
    zero bytes. Each entry stays under 1 MiB, the ratio check's floor."""
    kernel = bytes(kernel_size)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = deflate.compress(kernel) + deflate.flush()
    prefix = b""  # the quoted local headers an entry unpacks to before the kernel
    headers = []
    for i in reversed(range(count)):
        if headers:
            quoted = headers[0][1]
            data = struct.pack("<BHH", 0, len(quoted), len(quoted) ^ 0xFFFF) + quoted + data
            prefix = quoted + prefix
        name = f"bomb{i}.bin".encode()
        fields = (name, DEFLATED, zlib.crc32(kernel, zlib.crc32(prefix)), len(data),
                  len(prefix) + kernel_size)
        headers.insert(0, (fields, _local_header(*fields)))
    out, central = b"", b""
    for name, content in files:
        name, content = name.encode(), content.encode() if isinstance(content, str) else content
        fields = (name, STORED, zlib.crc32(content), len(content), len(content))
        central += _central_header(*fields, len(out))
        out += _local_header(*fields) + content
    offset = len(out)
    out += headers[0][1] + data
    for fields, local in headers:
        central += _central_header(*fields, offset)
        offset += len(local) + 5  # the next local header follows this one's quote
    return out + central + _end_record(len(files) + count, len(central), len(out), 0)


def hidden_directory_zip(data, hidden_entries):
    """`data` (a zipfile-made archive without a comment) with `hidden_entries`
    more central entries (copies of the first one's header under new names,
    the 16-bit count left to wrap), and a fake end record naming one entry
    hidden in the real end record's comment: a reader that scans back for the
    last end record sees one entry, libzip the whole directory."""
    eocd = data.rfind(_EOCD_SIG)
    count, cd_size, cd_offset = struct.unpack_from("<HII", data, eocd + 10)
    first = bytearray(data[cd_offset:cd_offset + 46])
    struct.pack_into("<HHH", first, _CENTRAL["name_len"], 8, 0, 0)
    extra = b"".join(bytes(first) + b"%08d" % i for i in range(hidden_entries))
    cd = data[cd_offset:eocd] + extra
    fake = _end_record(1, 0, 0, 5)
    return (data[:eocd] + extra + _end_record(count + hidden_entries, len(cd), cd_offset, len(fake))
            + fake)


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
