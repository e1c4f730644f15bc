#!/usr/bin/env python3
"""Writes the libFuzzer seed corpus in tests/fuzz/corpus/ (standard library only).

safetensors/: valid files of every dtype and layout the loader accepts, and the hostile files of
issue 12 (absurd header lengths, truncation, duplicate keys, overflowing shapes, overlapping or
gapped offsets, bad BOOL bytes, PyTorch zip/pickle and NumPy magic, an all-zero stream).
json/: the headers alone, plus JSON edge cases (escapes, surrogates, nesting, numbers).
Re-run after changing it: python3 scripts/fuzz_corpus.py
"""
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fuzz", "corpus")


def st_file(header, data=b"", raw_header=None):
    h = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(h)) + h + data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def write(kind, name, data):
    os.makedirs(os.path.join(ROOT, kind), exist_ok=True)
    with open(os.path.join(ROOT, kind, name), "wb") as f:
        f.write(data)


def main():
    f32 = struct.pack("<4f", 1.0, -2.5, 3.25, 0.0)
    f64 = struct.pack("<2d", 1e300, -0.0)
    i64 = struct.pack("<3q", -2**63, 2**63 - 1, 7)
    valid = {
        "f32_2x2": ({"w": entry("F32", [2, 2], 0, 16)}, f32),
        "f64_vector": ({"b": entry("F64", [2], 0, 16)}, f64),
        "i64_extremes": ({"n": entry("I64", [3], 0, 24)}, i64),
        "bool": ({"m": entry("BOOL", [2, 1], 0, 2)}, b"\x01\x00"),
        "scalar": ({"s": entry("F32", [], 0, 4)}, f32[:4]),
        "empty": ({"e": entry("F64", [0, 3], 0, 0)}, b""),
        "metadata": ({"__metadata__": {"format": "pt", "k\u00e9y": "v\u00e4lue"},
                      "w": entry("F32", [1], 0, 4)}, f32[:4]),
        "several": ({"a": entry("I64", [1], 0, 8), "b": entry("F64", [1], 8, 16),
                     "c": entry("F32", [2], 16, 24), "d": entry("BOOL", [1], 24, 25)},
                    i64[:8] + f64[:8] + f32[:8] + b"\x01"),
        "nothing": ({}, b""),
    }
    for name, (header, data) in valid.items():
        write("safetensors", f"valid_{name}.safetensors", st_file(header, data))
        write("json", f"valid_{name}.json", json.dumps(header).encode())

    p62 = 2**62
    hostile = {
        "header_length_huge": struct.pack("<Q", 2**64 - 1) + b"{}",
        "header_length_past_end": struct.pack("<Q", 100) + b"{}",
        "too_short": b"abc",
        "zeros_stream": bytes(4096),
        "truncated": st_file({"w": entry("F32", [2, 2], 0, 16)}, f32[:13]),
        "duplicate_keys": st_file(None, b"",
                                  b'{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},'
                                  b'"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}'),
        "shape_strides_overflow": st_file({"z": entry("F32", [0, p62, p62], 0, 0)}),
        "shape_numel_overflow": st_file({"z": entry("F64", [2**32, 2**32, 16], 0, 8)}, bytes(8)),
        "shape_negative": st_file({"z": entry("F32", [-1], 0, 0)}),
        "shape_too_long": st_file({"z": entry("F32", [1] * 100, 0, 4)}, bytes(4)),
        "offsets_overlap": st_file({"a": entry("F64", [1], 0, 8), "b": entry("F64", [1], 0, 8)},
                                   bytes(8)),
        "offsets_gap": st_file({"a": entry("F32", [1], 4, 8)}, bytes(8)),
        "offsets_reversed": st_file({"a": entry("F64", [0], 8, 0)}, bytes(8)),
        "bool_byte_2": st_file({"m": entry("BOOL", [2], 0, 2)}, b"\x01\x02"),
        "unknown_dtype": st_file({"h": entry("F16", [1], 0, 2)}, bytes(2)),
        "unknown_field": st_file(None, b"", b'{"a":{"dtype":"F32","shape":[0],'
                                 b'"data_offsets":[0,0],"x":1}}'),
        "metadata_not_strings": st_file({"__metadata__": {"a": 1}}),
        "not_an_object": st_file(None, b"", b"[1,2]"),
        "deep_nesting": st_file(None, b"", b"[" * 200 + b"]" * 200),
        "torch_zip": b"PK\x03\x04\x00\x00\x08\x08\x00\x00" + bytes(54) + b"archive/data.pkl",
        "torch_pickle": b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.\x80\x02M\xe9\x03.",
        "numpy": b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
    }
    for name, data in hostile.items():
        write("safetensors", f"hostile_{name}.safetensors", data)

    texts = {
        "escapes": r'{"a\"b\\c\/d\b\f\n\r\t":"\u00e9\ud83d\ude00"}',
        "numbers": '[0,-0,1.5e-3,-2E+10,18446744073709551615,18446744073709551616,1e400,-1e-400]',
        "literals": '[true,false,null,{"x":[[],{}]}]',
        "lone_surrogate": '"\\ud800"',
        "bad_escape": '"\\q"',
        "leading_zero": '[01]',
        "trailing_comma": '[1,]',
        "control_char": '"a\nb"',
        "unterminated": '{"a":"b',
        "duplicate_nested": '{"x":{"k":1,"k":2}}',
        "deep": "[" * 64 + "]" * 64,
        "too_deep": "[" * 66 + "]" * 66,
        "long_array": "[" + ",".join(["1"] * 2000) + "]",
        "many_keys": "{" + ",".join(f'"k{i}":{i}' for i in range(2000)) + "}",
    }
    for name, text in texts.items():
        write("json", f"{name}.json", text.encode())


if __name__ == "__main__":
    main()
