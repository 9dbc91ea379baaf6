"""Station figures: the 三率 and 按时办结率 from the event log, by period, month and branch."""
