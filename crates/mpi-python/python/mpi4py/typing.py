"""`mpi4py.typing`: the names mpi4py's signatures use for buffers and the
argument forms of buffer methods (`Send([buf, count, MPI.INT], ...)`).

They exist for type checkers and for reading signatures; nothing at run time
checks them. The forms are those the buffer layer of `MPI.py` accepts.
"""

from typing import Any, Dict, List, Protocol, Sequence, SupportsIndex, Tuple, TypeVar, Union

from mpi4py.MPI import BottomType, Datatype, InPlaceType

__all__ = [
    "SupportsBuffer",
    "SupportsDLPack",
    "SupportsCAI",
    "Buffer",
    "Bottom",
    "InPlace",
    "Aint",
    "Count",
    "Displ",
    "Offset",
    "TypeSpec",
    "BufSpec",
    "BufSpecB",
    "BufSpecV",
    "BufSpecW",
    "TargetSpec",
]


class SupportsBuffer(Protocol):
    """Python buffer protocol."""

    def __buffer__(self, flags: int, /) -> memoryview:
        """Create a buffer from a Python object."""


class SupportsDLPack(Protocol):
    """DLPack data interchange protocol."""

    def __dlpack__(self, /, *, stream: Union[int, Any, None] = None) -> object:
        """Export data for consumption as a DLPack capsule."""

    def __dlpack_device__(self) -> Tuple[int, int]:
        """Get device type and device ID in DLPack format."""


class SupportsCAI(Protocol):
    """CUDA Array Interface (CAI) protocol."""

    @property
    def __cuda_array_interface__(self) -> Dict[str, Any]:
        """CAI protocol data."""


Buffer = Union[SupportsBuffer, SupportsDLPack, SupportsCAI]
Bottom = Union[BottomType, None]
InPlace = Union[InPlaceType, None]
Aint = SupportsIndex
Count = SupportsIndex
Displ = SupportsIndex
Offset = SupportsIndex
TypeSpec = Union[Datatype, str]

_Counts = Sequence[Count]
_Displs = Sequence[Displ]
_Types = Sequence[Datatype]

# A buffer, alone or with a count and/or a datatype.
BufSpecB = Union[
    Buffer,
    Tuple[Buffer, Count],
    Tuple[Buffer, TypeSpec],
    Tuple[Buffer, Count, TypeSpec],
    List[Any],
]
# The same, or absolute addresses from MPI.BOTTOM with a datatype.
BufSpec = Union[BufSpecB, Tuple[Bottom, Count, Datatype]]
# A buffer with counts and displacements per rank (the `v` collectives).
BufSpecV = Union[
    Buffer,
    Tuple[Buffer, _Counts],
    Tuple[Buffer, Tuple[_Counts, _Displs]],
    Tuple[Buffer, TypeSpec],
    Tuple[Buffer, _Counts, TypeSpec],
    Tuple[Buffer, Tuple[_Counts, _Displs], TypeSpec],
    Tuple[Buffer, _Counts, _Displs, TypeSpec],
    Tuple[Bottom, Tuple[_Counts, _Displs], Datatype],
    Tuple[Bottom, _Counts, _Displs, Datatype],
    List[Any],
]
# A buffer with a datatype per rank (the `w` collectives).
BufSpecW = Union[
    Tuple[Buffer, _Types],
    Tuple[Buffer, Tuple[_Counts, _Displs], _Types],
    Tuple[Buffer, _Counts, _Displs, _Types],
    Tuple[Bottom, Tuple[_Counts, _Displs], _Types],
    Tuple[Bottom, _Counts, _Displs, _Types],
    List[Any],
]
# Where one-sided operations reach in the target's window.
TargetSpec = Union[
    Displ,
    Tuple[()],
    Tuple[Displ],
    Tuple[Displ, Count],
    Tuple[Displ, Count, TypeSpec],
    List[Any],
]

S = TypeVar("S")
T = TypeVar("T")
U = TypeVar("U")
V = TypeVar("V")
