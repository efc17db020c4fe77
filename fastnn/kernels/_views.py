"""Borrowed 2-D views of flat buffers, for the training loops' hot path.

The loops keep every layer's arrays in a few flat buffers and take 2-D views of them per
mini-batch, some twenty-five a batch. A reshape in compiled code is a call into Numba's
runtime plus a reference-count increment and decrement (atomic operations): about 20 ns
inlined, 45 ns as a call, here. :func:`view2d` builds the view's array structure directly,
with no owner (the ``meminfo`` of ``numba.carray``'s arrays is null too): about 2 ns.

With ``NUMBA_DISABLE_JIT=1`` it is the plain reshape. Safe only while the buffer outlives the
view: use it inside compiled code on buffers the caller holds for the whole call, and never
return a view to Python (it would not keep its buffer alive).
"""

from __future__ import annotations

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


if config.DISABLE_JIT:  # kernels run as plain Python (coverage runs): an ordinary view

    def view2d(buf, offset, rows, cols):  # noqa: F811
        """``buf[offset : offset + rows * cols].reshape(rows, cols)``."""
        return buf[offset : offset + rows * cols].reshape(rows, cols)
