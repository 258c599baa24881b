#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the small NumPy files tests/stream.bats reads: .npy of every supported version and dtype,
the ones we must reject, and .npz archives (stored and compressed). Run with Debian's python3-numpy:
    /usr/bin/python3 tests/golden/make_npy.py
Expected values are written beside them as text tensors, formatted with repr(float32), which is the
shortest decimal that reads back to the same float32 (the rule our text form follows)."""
import os
import numpy as np
from numpy.lib import format as npformat

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npy")
os.makedirs(here, exist_ok=True)
rng = np.random.default_rng(20261124)


def shortest(x):
    """The fewest significant digits (%g style) that read back to the same float32."""
    x = np.float32(x)
    if x == 0:
        return "0"
    for p in range(1, 10):
        s = "%.*g" % (p, float(x))
        if np.float32(float(s)) == x:
            return s
    return "%.9g" % float(x)


def text(a):
    a = np.asarray(a, dtype=np.float32)
    lines = ["#tensor " + " ".join(str(d) for d in a.shape)]
    rows = a.reshape(-1, a.shape[-1])
    lines += [" ".join(shortest(x) for x in row) for row in rows]
    return "\n".join(lines) + "\n"


def save(name, a, version=None):
    path = os.path.join(here, name)
    with open(path, "wb") as f:
        npformat.write_array(f, a, version=version)
    return path


def expect(name, a):
    with open(os.path.join(here, name), "w") as f:
        f.write(text(a))


f4 = rng.standard_normal((3, 4)).astype("<f4")
save("f4.npy", f4)
expect("f4.txt", f4)
f8 = rng.standard_normal((2, 3, 2)).astype("<f8")
save("f8.npy", f8)
expect("f8.txt", f8.astype(np.float32))
v2 = rng.standard_normal((5,)).astype("<f4")
save("v2.npy", v2, version=(2, 0))
expect("v2.txt", v2)
v3 = rng.standard_normal((2, 2, 2, 2)).astype("<f4")
save("v3.npy", v3, version=(3, 0))
expect("v3.txt", v3)

save("int32.npy", np.arange(6, dtype="<i4").reshape(2, 3))
save("bigendian.npy", np.arange(6, dtype=">f4").reshape(2, 3))
save("fortran.npy", np.asfortranarray(rng.standard_normal((3, 2)).astype("<f4")))
save("scalar.npy", np.float32(1.5))

w = {"weight": rng.standard_normal((4, 3)).astype("<f4"), "bias": rng.standard_normal((4,)).astype("<f4")}
np.savez(os.path.join(here, "stored.npz"), **w)
np.savez_compressed(os.path.join(here, "compressed.npz"), **w)
expect("weight.txt", w["weight"])
expect("bias.txt", w["bias"])
