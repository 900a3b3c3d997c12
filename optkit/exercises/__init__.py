"""Checkers for the code exercises.

Each chapter's checkers live in a submodule (``ch8_3`` for section 8.3, ...) and are
re-exported here, so a notebook calls ``optkit.exercises.check_momentum_step(my_fn)``.
A checker prints a verdict and a hint and returns True or False; it never raises, so a
notebook with an unfinished stub still runs top to bottom.
"""

from ._grading import Verdict, grade
from .ch8_1 import check_reshuffle_sampler
from .ch8_2 import check_permute_hidden
from .ch8_3 import check_momentum_step
from .ch8_4 import check_haar_orthogonal
from .ch8_5 import check_adam_step
from .ch8_6 import check_bfgs_update
from .ch8_7 import check_batch_norm
from .recipes import check_zca_whiten

__all__ = ["Verdict", "grade", "check_reshuffle_sampler", "check_permute_hidden",
           "check_momentum_step",
           "check_haar_orthogonal", "check_adam_step", "check_bfgs_update",
           "check_batch_norm", "check_zca_whiten"]
