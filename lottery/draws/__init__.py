"""The verifiable draw of SPEC section 2 as pure functions (stdlib only, no Django, no clock).

Everything here is deterministic: given the published inputs, anyone can recompute the
leaves, the Merkle root (RFC 6962 section 2.1), the draw material and the results.
``merkle`` (leaves and the tree), ``results`` (material, picks, winners and alternates) and
``proof_tree`` (audit paths from stored levels) hold the code; their public names are the
engine's one interface, ``from lottery import draws``. Imports inside the package are
relative, so that the folder copied next to ``verify.py`` still runs with no Django.
"""

from .merkle import (
    EMPTY_ROOT,
    MerkleBuilder,
    audit_path,
    leaf_hash,
    merkle_root,
    node_hash,
    numbers_list,
    numbers_text,
    root_from_path,
)
from .proof_tree import (
    HASH_SIZE,
    MAX_BLOCK_BITS,
    ProofTreeBuilder,
    audit_path_in_block,
    block_bits_for,
    level_sizes,
    upper_path_offsets,
)
from .results import (
    TIE_FIRST,
    TIE_RULES,
    TIE_SHARE,
    Leaf,
    Outcome,
    Result,
    commitment,
    draw_material,
    outcome_from_leaves,
    picks,
    select_results,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_BLOCK_BITS",
    "TIE_FIRST",
    "TIE_RULES",
    "TIE_SHARE",
    "Leaf",
    "MerkleBuilder",
    "Outcome",
    "ProofTreeBuilder",
    "Result",
    "audit_path",
    "audit_path_in_block",
    "block_bits_for",
    "commitment",
    "draw_material",
    "leaf_hash",
    "level_sizes",
    "merkle_root",
    "node_hash",
    "numbers_list",
    "numbers_text",
    "outcome_from_leaves",
    "picks",
    "root_from_path",
    "select_results",
    "upper_path_offsets",
]
