#!/usr/bin/env python3
"""make_collection.py OUT MIB NAME PATH: writes a valid collection archive of
MIB MiB to OUT for `make bench`: the manifest (built with the integration
tests' helpers, tests/integration/collection_zips.py) and MIB www files of
1 MiB of random bytes each, stored (incompressible, like images and fonts),
served under /PATH/. The archive is written as it is built, never held in
memory whole. Prints the archive's size in bytes."""
import os
import sys
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from collection_zips import manifest, new_guid, resource  # noqa: E402


def main():
    out, mib, name, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    files = [f"f{i:03d}.bin" for i in range(mib)]
    xml = manifest(name=name, guid=new_guid(),
                   children="\n".join(resource(f, "www", path) for f in files))
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zip_info("collection.xml", zipfile.ZIP_DEFLATED), xml.encode())
        for f in files:
            z.writestr(zip_info(f, zipfile.ZIP_STORED), os.urandom(1 << 20))
    print(os.path.getsize(out))


def zip_info(name, method):
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
    info.compress_type = method
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


if __name__ == "__main__":
    main()
