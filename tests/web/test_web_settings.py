"""The ``[web]`` settings: documented one by one, and refused with clear words when wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from winback.config import WebSettings, load_settings
from winback.errors import SettingsError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def leaves(model: type[BaseModel], prefix: str) -> set[str]:
    found: set[str] = set()
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found |= leaves(kind, f"{prefix}{name}.")
        else:
            found.add(f"{prefix}{name}")
    return found


def test_every_web_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", DOCS.read_text(encoding="utf-8"), re.M))
    missing = leaves(WebSettings, "web.") - documented
    assert not missing, f"undocumented: {sorted(missing)}"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[web]\nmax_body_bytes = 10\n", "web.max_body_bytes"),
        ('[web.inbound]\nroutes = ["pigeon"]\n', "web.inbound.routes"),
        ('[web.shopify]\nsecret = "x"\n', "web.shopify.secret: unknown setting"),
    ],
)
def test_a_wrong_web_setting_is_refused_naming_it(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "winback.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=re.escape(words)):
        load_settings(path, env={})
