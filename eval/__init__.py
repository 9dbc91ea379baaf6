"""NLU evaluation of 智慧杨: held-out test set, noised copy, baseline and report.

Runs in the Rasa environment (Python 3.10): `make eval` for the full run,
`make eval-ci` for the quick run with thresholds. `eval.noise` and
`eval.overlap` need only the standard library (and PyYAML to read data files).
The blind sets: `eval.blind_messages` runs in the Rasa environment (`make eval-blind`),
`eval.dialogues` in the app's (`make eval-dialogues`).
"""
