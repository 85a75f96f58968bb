"""Decision 766/QĐ-TTg evaluation as the national portal scores it: six groups, 100 points, per
unit (province, department, commune) and period. Pure: facts in, scores out; weights and
thresholds come from ``data/evaluation766.csv``. See docs/evaluation-766.md.
"""

from stream_processors.core.evaluation766.facts import (Feedback, Period, ScoredDossier,
                                                       ScoredProcedure, Unit, evaluation_period)
from stream_processors.core.evaluation766.score import IndicatorScore
from stream_processors.core.evaluation766.scorecard import (GroupScore, UnitScore, score_unit,
                                                           score_units)
from stream_processors.core.evaluation766.weights import Weights, load_weights

__all__ = ["Feedback", "GroupScore", "IndicatorScore", "Period", "ScoredDossier",
           "ScoredProcedure", "Unit", "UnitScore", "Weights", "evaluation_period", "load_weights",
           "score_unit", "score_units"]
