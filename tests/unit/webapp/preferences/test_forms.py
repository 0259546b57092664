"""The settings form's hidden etag is one the state store could have issued, or refused."""

from __future__ import annotations

import pytest

from webapp.preferences.forms import MalformedETag, sent_etag


@pytest.mark.parametrize("etag", ["abc", "1.5", "-1", "1 ", "9" * 19, "١٢", "1\n"])
def test_sent_etag_refuses_malformed(etag: str) -> None:
    with pytest.raises(MalformedETag, match="malformed"):
        sent_etag({"etag": etag})


def test_sent_etag_keeps_a_version_and_reads_none_as_never_saved() -> None:
    assert sent_etag({"etag": "12"}) == "12"
    assert sent_etag({"etag": ""}) is None
    assert sent_etag({}) is None
