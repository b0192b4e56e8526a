"""A software prefetch for the compiled passes over the ties (numba).

Every pass over the ties reads each neighbour's state at a random place in memory. At a
million citizens and more those reads mostly miss the caches, and a loop that waits for
each in turn is bound by memory latency. ``prefetch(a, k)`` asks the CPU to start
loading ``a[k]`` now, without waiting for it: a pass that prefetches the neighbour
``PREFETCH_AHEAD`` entries ahead has that many loads in flight at once. It only moves
data into the cache, so results are the same bit for bit, with or without it.

It is LLVM's ``llvm.prefetch`` intrinsic (read, keep in all cache levels, data),
emitted through numba's documented extension API (``numba.extending.intrinsic``).

numba's on-disk cache tracks only the file a compiled function is defined in, so after
editing this module (``PREFETCH_AHEAD``, say) clear the cached loops of the modules
that use it (``find sim -name '*.nbi' -delete``) before timing anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic
from numpy.typing import NDArray

__all__ = ["PREFETCH_AHEAD", "PREFETCH_MIN_BYTES", "prefetch", "worth_prefetching"]

#: How many tie entries ahead a pass prefetches its neighbour's state. Measured at 10^6
#: citizens (trust and tie statistics pass): 4 -> 0.18 s, 16 -> 0.14 s, 32 -> 0.13 s,
#: 64 -> 0.14 s, none 0.23 s.
PREFETCH_AHEAD = 32

#: The passes prefetch only when the state they read at random (per citizen, the
#: neighbour's values the pass reads) is at least this large. Smaller state sits in the
#: core's own cache, and each prefetch then costs instructions per entry for nothing:
#: at 10^4 citizens (170 kB read at random) the trust rule's pass took 4.2 ns per entry
#: prefetching and 3.1 without, the offline matching 10.0 and 8.7. At 3 * 10^4 and
#: more the tie pass gained from prefetching again.
PREFETCH_MIN_BYTES = 256 * 1024


def worth_prefetching(nbytes: int) -> bool:
    """Whether a pass that reads ``nbytes`` of state at random should prefetch it."""
    return nbytes >= PREFETCH_MIN_BYTES


@intrinsic
def _prefetch(typingctx: Any, arr: types.Array, idx: types.Integer) -> Any:
    """Start loading ``arr[idx]`` (a 1-d array) into the caches; no bounds check."""
    if not isinstance(arr, types.Array) or arr.ndim != 1 or not isinstance(idx, types.Integer):
        return None
    sig = types.void(arr, idx)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        idx = context.cast(builder, args[1], idxty, types.intp)  # any integer type
        ptr = cgutils.get_item_pointer(
            context, builder, aryty, ary, [idx], wraparound=False, boundscheck=False
        )
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        # rw = 0 (read), locality = 3 (keep in all levels), cache type = 1 (data)
        flags = [ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)]
        builder.call(fn, [builder.bitcast(ptr, i8p), *flags])
        return context.get_dummy_value()

    return sig, codegen


#: ``prefetch(arr, idx)`` inside compiled code (typed for the callers' type checking).
prefetch = cast(Callable[[NDArray[Any], int], None], _prefetch)
