"""The operators' loop: review what the bot got wrong, relabel, retrain, evaluate, promote.

Open-source Rasa 3.6 has no review tool, so it lives here. The inbox is filled
from Rasa's SQL tracker store (read only) and from tickets staff returned or
re-categorised; decisions become a generated training file beside the
hand-written data/nlu.yml; a background job trains and scores a candidate
model; promotion hot-swaps it into the running Rasa server.
"""
