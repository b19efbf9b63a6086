"""The provider side of the domain: PARS activities and learner completions (pure).

Field names follow ACCME's PARS documents (see ../shared/research/pars.md); everything the
research marks [inferred] is a setting of `ParsRules`, not a constant.
"""
