"""The shipped model file is what the build script makes from the labelled set."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from winback.analyse.reasons import shipped


def test_the_shipped_model_is_what_the_build_script_makes(tmp_path: Path) -> None:
    rebuilt = shipped.load(shipped.build(tmp_path / "model.npz"))
    current = shipped.load()
    assert rebuilt is not None and current is not None, (
        "run python -m winback.analyse.reasons.shipped"
    )
    new, old = rebuilt._weights(), current._weights()
    assert (new.classes, new.vocabulary) == (old.classes, old.vocabulary)
    assert np.allclose(new.coef, old.coef, atol=1e-4)
    assert np.allclose(new.intercept, old.intercept, atol=1e-4)


def test_a_model_fitted_on_other_labelled_data_is_not_loaded(tmp_path: Path) -> None:
    path = shipped.build(tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["meta"] = np.array('{"labelled_sha1": "0000"}')
    np.savez_compressed(tmp_path / "stale.npz", **arrays)
    assert shipped.load(tmp_path / "stale.npz") is None
