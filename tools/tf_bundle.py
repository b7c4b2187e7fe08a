"""Read a TensorFlow checkpoint (a tensor bundle: `<prefix>.index` + `<prefix>.data-00000-of-00001`) without TensorFlow.

    from tf_bundle import read_bundle
    tensors = read_bundle('musicnn/MSD_musicnn/')      # {'conv2d/kernel': np.ndarray (7, 38, 1, 204), ...}

The `.index` file is a LevelDB-style sorted table (SSTable): a 48-byte footer points to an index block whose entries point
to data blocks; each block holds prefix-compressed keys followed by an array of restart offsets and a 5-byte trailer
(compression type, CRC). Each key is a tensor name (the empty key is the `BundleHeaderProto`) and each value a
`BundleEntryProto` (dtype, shape, shard, offset, size, masked CRC-32C), read here with a ten-line protobuf wire decoder.
The `.data-*` shard holds the raw little-endian tensor bytes. Only what TF1/TF2 checkpoints of plain dense tensors use
is supported (one shard, uncompressed blocks, no partitioned variables); anything else is refused with a ValueError."""
import struct
from pathlib import Path
import numpy as np

MAGIC = 0xdb4775248b80fb57                                                    # LevelDB table magic number
DTYPES = {1: '<f4', 2: '<f8', 3: '<i4', 4: 'u1', 5: '<i2', 6: 'i1', 9: '<i8', 10: '?', 19: '<f2'}   # tensorflow DataType -> numpy

def _varint(b, i: int) -> tuple[int, int]:
    r = s = 0
    while True:
        c = b[i]; i += 1; r |= (c & 0x7f) << s; s += 7
        if c < 0x80: return r, i

def _proto(b) -> dict:
    "Protocol-buffer wire format -> {field number: [values]} (varints as int, length-delimited as bytes, fixed32/64 as int)."
    out, i = {}, 0
    while i < len(b):
        tag, i = _varint(b, i)
        f, wt = tag >> 3, tag & 7
        if wt == 0: v, i = _varint(b, i)
        elif wt == 2: n, i = _varint(b, i); v = bytes(b[i:i + n]); i += n
        elif wt == 5: v = struct.unpack_from('<I', b, i)[0]; i += 4
        elif wt == 1: v = struct.unpack_from('<Q', b, i)[0]; i += 8
        else: raise ValueError(f"unsupported protobuf wire type {wt}")
        out.setdefault(f, []).append(v)
    return out

def _block(data: bytes, handle: bytes) -> list[tuple[bytes, bytes]]:
    "The (key, value) pairs of the table block that `handle` (varint offset, varint size) points to."
    off, j = _varint(handle, 0); size, _ = _varint(handle, j)
    if data[off + size] != 0: raise ValueError("compressed table block (snappy): not supported")
    b = data[off:off + size]
    end = len(b) - 4 - 4 * struct.unpack_from('<I', b, len(b) - 4)[0]     # entries stop where the restart array starts
    out, key, i = [], b'', 0
    while i < end:
        shared, i = _varint(b, i); own, i = _varint(b, i); n, i = _varint(b, i)
        key = key[:shared] + b[i:i + own]; i += own
        out.append((key, b[i:i + n])); i += n
    return out

_CRC_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8): _c = (_c >> 1) ^ (0x82F63B78 if _c & 1 else 0)
    _CRC_TABLE.append(_c)

def masked_crc32c(b: bytes) -> int:
    "CRC-32C (Castagnoli) of `b`, masked as TensorFlow stores it (pure Python: about a second per 3 MB)."
    t, c = _CRC_TABLE, 0xFFFFFFFF
    for x in b: c = t[(c ^ x) & 0xFF] ^ (c >> 8)
    c ^= 0xFFFFFFFF
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xa282ead8) & 0xFFFFFFFF

def read_bundle(prefix, check_crc: bool = True) -> dict[str, np.ndarray]:
    "All tensors of the checkpoint at `prefix` (the path without `.index`) as numpy arrays, by name."
    index = Path(str(prefix) + '.index').read_bytes()
    data = Path(str(prefix) + '.data-00000-of-00001').read_bytes()
    footer = index[-48:]
    if struct.unpack('<Q', footer[-8:])[0] != MAGIC: raise ValueError(f"{prefix}.index: not a TensorFlow checkpoint index (bad magic)")
    _, j = _varint(footer, 0); _, j = _varint(footer, j)               # skip the metaindex handle
    out = {}
    for _, handle in _block(index, footer[j:]):                          # the index block: one entry per data block
        for key, value in _block(index, handle):
            e = _proto(value)
            if key == b'':                                               # BundleHeaderProto: num_shards=1, endianness=2 (0: little)
                if e.get(1, [1])[0] != 1 or e.get(2, [0])[0] != 0: raise ValueError("only single-shard little-endian bundles are supported")
                continue
            name = key.decode()
            if 7 in e or e.get(3, [0])[0] != 0: raise ValueError(f"{name}: sliced or multi-shard tensors are not supported")
            dtype = e.get(1, [0])[0]
            if dtype not in DTYPES: raise ValueError(f"{name}: unsupported dtype {dtype}")
            shape = [_proto(d).get(1, [0])[0] for d in _proto(e[2][0]).get(2, [])] if 2 in e else []
            off, size = e.get(4, [0])[0], e.get(5, [0])[0]
            raw = data[off:off + size]
            if len(raw) != size: raise ValueError(f"{name}: the data file is truncated")
            if check_crc and 6 in e and masked_crc32c(raw) != e[6][0]: raise ValueError(f"{name}: CRC mismatch (corrupt data file)")
            out[name] = np.frombuffer(raw, DTYPES[dtype]).reshape(shape).copy()
    return out
