"""Buy-till-you-die models: BG/NBD, Pareto/NBD, Gamma-Gamma, and customer lifetime value.

Scikit-learn style estimators over the RFM summary of :mod:`winback.analyse.rfm`:
``fit()`` returns the model, fitted attributes end in ``_``. See ``docs/lifecycle-models.md``.

Errors::

    WinbackError
    ├── NotFittedError       a prediction was asked of a model that was never fitted
    └── SummaryDataError     the summary is invalid (NaN, negative, recency > T) or
                             cannot identify the model (no repeat purchases, every T = 0)
"""

from winback.analyse.btyd._base import NotFittedError, SummaryDataError
from winback.analyse.btyd.bgnbd import BetaGeoFitter, BetaGeoParams
from winback.analyse.btyd.gammagamma import GammaGammaFitter, GammaGammaParams, TransactionModel
from winback.analyse.btyd.paretonbd import ParetoNBDFitter, ParetoNBDParams

__all__ = [
    "BetaGeoFitter",
    "BetaGeoParams",
    "GammaGammaFitter",
    "GammaGammaParams",
    "NotFittedError",
    "ParetoNBDFitter",
    "ParetoNBDParams",
    "SummaryDataError",
    "TransactionModel",
]
