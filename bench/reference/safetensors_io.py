"""A safetensors reader and writer on numpy (no pip packages on the reference machines).

Format: 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets:
[begin, end]}, "__metadata__": {...}}, then the data block; offsets are relative to its start.
"""
import json
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I32": np.int32, "I64": np.int64}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def read(path):
    """Returns ({name: numpy array}, metadata dict). BF16 is widened to float32."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: too short for a safetensors header")
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = memoryview(blob)[8 + n:]
    tensors = {}
    metadata = header.pop("__metadata__", {}) or {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        shape = tuple(entry["shape"])
        raw = data[begin:end]
        if entry["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            array = bits.view(np.float32)
        elif entry["dtype"] in _DTYPES:
            array = np.frombuffer(raw, dtype=_DTYPES[entry["dtype"]])
        else:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {entry['dtype']}")
        if array.size != int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{path}: tensor {name} has {array.size} values for shape {shape}")
        tensors[name] = array.reshape(shape).copy()
    return tensors, metadata


def write(path, tensors, metadata=None):
    """Writes {name: numpy array} without gaps, widest dtype first then by name (as the safetensors
    library does), so every tensor stays aligned to its element size."""
    header = {}
    chunks = []
    offset = 0
    order = sorted(tensors, key=lambda n: (-np.asarray(tensors[n]).dtype.itemsize, n))
    for name in order:
        array = np.ascontiguousarray(tensors[name])
        if array.dtype not in _NAMES:
            raise ValueError(f"tensor {name}: dtype {array.dtype} cannot be written")
        raw = array.tobytes()
        header[name] = {"dtype": _NAMES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((-len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
