"""The one place where kernels' compile options are set.

Environment variables, read once at import:

``FASTNN_CACHE``
    ``1`` (default) caches compiled kernels on disk next to the package (or under
    ``NUMBA_CACHE_DIR`` when that is set); ``0`` compiles afresh in every process.
``FASTNN_NUMPY_BLAS``
    ``1`` (default): compiled products call NumPy's own OpenBLAS where it has one;
    ``0``: SciPy's, as where it has none (:mod:`fastnn.kernels._blas`).
``FASTNN_FASTMATH``
    ``1`` (default) lets *reductions* (sums over a row) be reassociated, so LLVM can
    vectorize them; ``0`` turns that off. No flag that assumes "no NaN" or "no inf" is
    ever used: NaN in must give NaN out, and ``np.isnan`` must not lie.

Sums of products (:func:`dot_products`) may also fuse a multiply and an add. Elementwise
kernels never get fastmath flags: contracting ``1 - t * t`` into a fused
multiply-add, say, would move results by far more than the 4 ulp the parity tests allow
where ``t`` is close to 1.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numba
from numba.core.compiler import CompileResult
from numba.core.registry import CPUDispatcher


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "1" if default else "0").strip().lower()
    return value not in ("0", "false", "no", "off", "")


CACHE = _flag("FASTNN_CACHE", True)
FASTMATH = _flag("FASTNN_FASTMATH", True)
#: ``FASTNN_NUMPY_BLAS=0``: compiled products call SciPy's BLAS through a compiled adapter
#: instead of NumPy's OpenBLAS (:mod:`fastnn.kernels._blas`; for tests and comparisons).
NUMPY_BLAS = _flag("FASTNN_NUMPY_BLAS", True)

#: Options every kernel is compiled with. ``error_model="numpy"`` makes x / 0 give inf or
#: NaN as NumPy does (and lets divisions vectorize) instead of raising.
COMMON = {"cache": CACHE, "nogil": True, "error_model": "numpy"}

#: Appended to every kernel's name under ``FASTNN_FASTMATH=0``: Numba's disk cache tells
#: compiled code apart by its source and argument types but not by its compile flags, so a
#: process without fastmath flags would otherwise load what a process with them cached, and
#: the other way round (``tests/test_config.py``).
EXACT_SUFFIX = "__exact"

#: Flags for reduction kernels: reassociation only.
REDUCTION_FASTMATH = {"reassoc"} if FASTMATH else False


class _Uncounted(CPUDispatcher):
    """A kernel compiled without reference counting (Numba's ``_nrt=False``).

    A compiled function takes a reference to each array it receives or reads out of a tuple
    and drops it when done: two calls into Numba's runtime each, with an atomic operation
    when the array has an owner; Numba's pass that removes such pairs keeps most of those in
    the training loops, whose branches keep the arrays alive across blocks (about 13 % of the
    moons model's epoch, measured with ``perf``). A kernel needs no references of its own
    while its caller holds them for the whole call, as long as it allocates no array (Numba
    then refuses to compile it) and returns none (the caller would drop a reference it was
    never given: :meth:`add_overload` refuses such a kernel). What Numba inlines into it
    (``inline="always"`` helpers) runs uncounted too; the kernels it calls count or not by
    their own setting.
    """

    def _check(self, cres: CompileResult) -> None:
        """Refuse a compiled signature whose result holds a reference (an array, a tuple or
        an optional holding one: anything Numba's data model gives an owner)."""
        returned = cres.signature.return_type
        if cres.target_context.data_model_manager[returned].contains_nrt_meminfo():
            raise TypeError(
                f"{self.py_func.__qualname__} returns {returned}: a kernel compiled without "
                "reference counting must not return an array"
            )

    def add_overload(self, cres: CompileResult) -> None:
        self._check(cres)
        super().add_overload(cres)


class _CompiledOnly(_Uncounted):
    """A kernel that only compiled kernels call: compiled without the two entry points Python
    and C would call it through (the CPython wrapper, which unboxes every argument, and the C
    function wrapper), and never entered in the table Python calls look up, so that a call
    from Python is a TypeError instead of a jump to code that does not exist.

    A callee reaches its callers through its LLVM module, which Numba links into theirs; the
    wrappers serve only calls from Python and C, and compiling them took about 1.5 s of the
    generic loop's 22.3-22.9 cold seconds (20.5-21.2 s without, alternating fresh processes).

    Without reference counting too (:class:`_Uncounted`).
    """

    def add_overload(self, cres: CompileResult) -> None:
        self._check(cres)
        self.overloads[tuple(cres.signature.args)] = cres

    def _compile_for_args(self, *args, **kws):
        raise TypeError(f"{self.py_func.__qualname__} is called from compiled kernels only")


class _Pointed(_CompiledOnly):
    """A kernel compiled code calls through a function pointer (:func:`function_pointer`):
    as :class:`_CompiledOnly`, but with the C function wrapper, the entry point a pointer
    holds. Its callers are compiled without its code (they call the address they are given),
    so a caller compiled once serves every kernel of the same signature, and a kernel that no
    run uses is never compiled (:mod:`fastnn.kernels.ops`). Exceptions cannot cross that
    wrapper: such a kernel must not raise."""


def _compile(
    func: Callable, fastmath: set[str] | bool, python: bool, counted: bool | None, pointer: bool = False
) -> Callable:
    """Compile ``func`` with the common options and ``fastmath``: ``python=False``, a
    :class:`_CompiledOnly` kernel (no wrappers, no reference counting), with ``pointer`` a
    :class:`_Pointed` one (the C wrapper kept); ``counted=False``, an :class:`_Uncounted` one
    Python calls. The others count references explicitly (``_nrt=True``): Numba compiles a
    callee with its caller's setting unless the callee sets its own."""
    if not python and counted:
        raise ValueError(f"{func.__qualname__}: a kernel only compiled code calls counts no references")
    if pointer and python:
        raise ValueError(f"{func.__qualname__}: a kernel called through a pointer is called by compiled code only")
    if not FASTMATH:  # cached apart: Numba's cache key holds the code and the types, not the flags
        named(func, f"{func.__qualname__}{EXACT_SUFFIX}")
    if numba.config.DISABLE_JIT or (python and counted is not False):
        return numba.njit(fastmath=fastmath, _nrt=True, **COMMON)(func)
    options = {key: value for key, value in COMMON.items() if key != "cache"}
    options.update(nopython=True, boundscheck=None, fastmath=fastmath, _nrt=False)
    if not python:
        options.update(no_cpython_wrapper=True, no_cfunc_wrapper=not pointer)
    kind = _Uncounted if python else _Pointed if pointer else _CompiledOnly
    kernel = kind(py_func=func, locals={}, targetoptions=options)
    if CACHE:
        kernel.enable_caching()
    return kernel


def _decorator(fastmath: set[str] | bool, name: str, summary: str) -> Callable:
    """A kernel decorator compiling with ``fastmath``, named ``name``, documented by ``summary``."""

    def decorate(
        func: Callable | None = None, *, python: bool = True, counted: bool | None = None, pointer: bool = False
    ):
        if func is None:
            return lambda f: _compile(f, fastmath, python, counted, pointer)
        return _compile(func, fastmath, python, counted, pointer)

    decorate.__name__ = decorate.__qualname__ = name
    decorate.__doc__ = f"""{summary}

    Parameters
    ----------
    func : function
        The kernel (``@{name}``), or None for a decorator with the keywords (``@{name}(...)``).
    python : bool, default True
        False: a kernel only compiled code calls (:class:`_CompiledOnly`: no wrappers, no
        reference counting; then ``counted`` may not be True).
    counted : bool, optional
        False: a kernel Python calls, compiled without reference counting (:class:`_Uncounted`).
    pointer : bool, default False
        With ``python=False``: a kernel called through a function pointer (:class:`_Pointed`).
    """
    return decorate


elementwise = _decorator(False, "elementwise", "Compile an elementwise kernel (no fastmath).")

reduction = _decorator(
    REDUCTION_FASTMATH,
    "reduction",
    "Compile a kernel that sums (reassociation allowed when ``FASTNN_FASTMATH`` is on).",
)

#: Flags for sums of products: reassociation, and each multiply-add fused into one rounding.
PRODUCT_FASTMATH = {"reassoc", "contract"} if FASTMATH else False

dot_products = _decorator(
    PRODUCT_FASTMATH,
    "dot_products",
    "Compile a kernel of sums of products (``dW = dZ A^T``): as :func:`reduction`, and each\n"
    "    multiply-add may be one fused instruction (one rounding instead of two: never less\n"
    "    accurate; 1.03x to 1.06x faster on the Course II models, whose products are FMA-bound).",
)


def inlined(func):
    """Compile a function that Numba inlines into its callers before typing them (no call, no
    array returned through a call boundary, no compile of its own unless Python calls it).

    For tiny helpers called in hot loops (the loop's 2-D views, each a call, once took about
    10 % of a small mini-batch's time; they now call the ``view2d`` intrinsic itself, which
    needs no inlining, where a wrapper was copied into each of twenty-odd call sites). And
    for the levels of the training loops (one
    mini-batch's step and its gradient, the products' and the head's dispatching wrappers,
    the optimizer's update): Numba links every compiled callee into each caller and
    optimizes and generates its machine code again there, so each such level compiled on its
    own redid the work of everything below it (together about 7 of the generic loop's 31-34
    cold seconds; its moons epoch also runs about 20 % faster inlined).

    An inlined body is compiled with its *caller's* flags (``fastmath=False`` here only
    covers calls from Python). So it holds no floating-point arithmetic whose rounding a flag
    could change, or its callers all share one set of flags: the step's sum of sample weights
    is reached only from the :func:`reduction` epoch loops; the optimizer's step
    (:func:`~fastnn.kernels.optimizers._apply`, and Gram mode's, which calls it) only from
    kernels without fastmath flags (the :mod:`fastnn.kernels.ops` kernels, :func:`elementwise`)
    and from Python.

    Inlining is also what lets a caller compile only one branch of a dispatcher: with the
    code a constant of the caller (a closure's), Numba prunes the other branches before typing
    them (:mod:`fastnn.kernels.ops`); a kernel compiled on its own types every branch.
    """
    return numba.njit(inline="always", fastmath=False, **COMMON)(func)


def function_pointer(kernel: Callable, signature: numba.core.typing.Signature) -> int | Callable:
    """The address of ``kernel`` (a :class:`_Pointed` kernel) compiled for ``signature`` (or
    loaded from the cache): its C wrapper's entry point, which compiled code calls as a
    ``FunctionType(signature)`` (:func:`fastnn.kernels.ops.function`). A plain integer: Numba
    converts a function object passed from Python at every call, an integer for nothing.
    Under ``NUMBA_DISABLE_JIT`` the Python function itself."""
    if numba.config.DISABLE_JIT:
        return kernel
    kernel.compile(signature.args)
    cres = kernel.overloads[signature.args]
    if cres.signature != signature:
        name, returned = kernel.py_func.__qualname__, cres.signature.return_type
        raise TypeError(f"{name} returns {returned}, not {signature.return_type}")
    return cres.library.get_pointer_to_function(cres.fndesc.llvm_cfunc_wrapper_name)


def named(func: Callable, name: str) -> Callable:
    """``func`` (a closure a factory makes) renamed ``name``, to compile as a kernel of its own.

    Numba names a compiled function after its qualified name, a counter that starts afresh in
    every process, and its argument types; the disk cache tells closures apart by their
    constants, but not those names. Two closures of one factory, compiled in two processes and
    loaded into a third, then come back under one name, and the linker sends calls of one to the
    other's code: wrong results, no error (``tests/test_ops.py``). A name per closure, also
    the name of its cache files, keeps them apart."""
    func.__name__ = func.__qualname__ = name
    return func
