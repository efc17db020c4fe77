"""Borrowed 2-D views of flat buffers, and a prefetch hint: memory intrinsics for the
training loops' hot path.

The loops keep every layer's arrays in a few flat buffers and take 2-D views of them per
mini-batch, some twenty-five a batch. A reshape in compiled code is a call into Numba's
runtime plus a reference-count increment and decrement (atomic operations): about 20 ns
inlined, 45 ns as a call, here. :func:`view2d` builds the view's array structure directly,
with no owner (the ``meminfo`` of ``numba.carray``'s arrays is null too): about 2 ns.

With ``NUMBA_DISABLE_JIT=1`` it is the plain reshape. Safe only while the buffer outlives the
view: use it inside compiled code on buffers the caller holds for the whole call, and never
return a view to Python (it would not keep its buffer alive).

:func:`prefetch` asks the processor to start loading a cache line that a loop will read
soon (LLVM's ``llvm.prefetch``: a hint, which never faults and changes no value). With
``NUMBA_DISABLE_JIT=1`` it only checks that its address is inside the array.
"""

from __future__ import annotations

from llvmlite import ir
from numba import config, types
from numba.core import cgutils
from numba.extending import intrinsic
from numba.np.arrayobj import make_array, populate_array


@intrinsic
def view2d(typingctx, buf, offset, rows, cols):
    """``buf[offset : offset + rows * cols].reshape(rows, cols)`` as a borrowed C-contiguous
    view (no bounds check: the offsets are the trainer's own)."""
    if not (isinstance(buf, types.Array) and buf.ndim == 1 and buf.layout == "C"):
        return None
    sig = types.Array(buf.dtype, 2, "C")(buf, offset, rows, cols)

    def codegen(context, builder, sig, args):
        src = make_array(sig.args[0])(context, builder, args[0])
        out = make_array(sig.return_type)(context, builder)
        intp = context.get_value_type(types.intp)
        itemsize = context.get_abi_sizeof(context.get_data_type(sig.args[0].dtype))
        offset, rows, cols = (
            context.cast(builder, value, typ, types.intp) for value, typ in zip(args[1:], sig.args[1:], strict=True)
        )
        populate_array(
            out,
            data=builder.gep(src.data, [offset]),
            shape=cgutils.pack_array(builder, [rows, cols]),
            strides=cgutils.pack_array(builder, [builder.mul(cols, intp(itemsize)), intp(itemsize)]),
            itemsize=intp(itemsize),
            meminfo=cgutils.get_null_value(out.meminfo.type),
            parent=cgutils.get_null_value(out.parent.type),
        )
        return out._getvalue()

    return sig, codegen


#: ``llvm.prefetch``'s locality for :func:`prefetch` (0 to 3, 3 the closest cache): 2 is
#: x86's ``prefetcht1`` (on Intel's processors into the level-2 cache; how AMD's treat the
#: three levels of hint is theirs to decide, measured here). Gathering 200 random rows of 60,000 x 784
#: (2-core AMD EPYC, each row's lines requested four rows ahead) took 35 to 37 ms an epoch
#: in float64 and 14 to 16 ms in float32 at 2, against 47 to 55 and 22 to 30 ms without
#: prefetching; 3 (``prefetcht0``) gained nothing and 0 (non-temporal) lost a little.
PREFETCH_LOCALITY = 2


@intrinsic
def prefetch(typingctx, buf, index):
    """Hint that ``buf.flat[index]`` (a C-contiguous array) will be read soon: its cache line
    is requested now (no bounds check: an address outside ``buf`` would only waste the hint)."""
    if not (isinstance(buf, types.Array) and buf.layout == "C" and isinstance(index, types.Integer)):
        return None
    sig = types.void(buf, index)

    def codegen(context, builder, sig, args):
        src = make_array(sig.args[0])(context, builder, args[0])
        offset = context.cast(builder, args[1], sig.args[1], types.intp)
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        hint = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32]), "llvm.prefetch.p0"
        )
        address = builder.bitcast(builder.gep(src.data, [offset]), byte_ptr)
        # A read (0), the locality, a data cache (1).
        builder.call(hint, [address, i32(0), i32(PREFETCH_LOCALITY), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


if config.DISABLE_JIT:  # kernels run as plain Python (coverage runs): an ordinary view, no hint

    def view2d(buf, offset, rows, cols):  # noqa: F811
        """``buf[offset : offset + rows * cols].reshape(rows, cols)``."""
        return buf[offset : offset + rows * cols].reshape(rows, cols)

    def prefetch(buf, index):  # noqa: F811
        """Nothing, but a check that the hint's address is inside ``buf`` (which compiled code
        does not need: a hint never faults), so that plain-Python runs test the callers' arithmetic."""
        assert 0 <= index < buf.size, f"prefetch of entry {index} of an array of {buf.size}"
