from __future__ import annotations

import pytest

from audit import checkpoint
from audit.chain import Link


def test_a_signed_checkpoint_verifies_with_the_public_key() -> None:
    private = checkpoint.new_private_key_pem()
    signed = checkpoint.sign(private, Link(7, "ab" * 32))
    assert checkpoint.verify(checkpoint.public_key_pem(private), signed) == Link(7, "ab" * 32)


def test_a_checkpoint_moved_to_another_seq_does_not_verify() -> None:
    private = checkpoint.new_private_key_pem()
    signed = checkpoint.sign(private, Link(7, "ab" * 32))
    with pytest.raises(checkpoint.BadCheckpoint):
        checkpoint.verify(checkpoint.public_key_pem(private), {**signed, "seq": 8})


def test_a_checkpoint_signed_with_another_key_does_not_verify() -> None:
    signed = checkpoint.sign(checkpoint.new_private_key_pem(), Link(1, "00" * 32))
    other = checkpoint.public_key_pem(checkpoint.new_private_key_pem())
    with pytest.raises(checkpoint.BadCheckpoint):
        checkpoint.verify(other, signed)
