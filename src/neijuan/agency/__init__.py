"""Agency: the decision-log audit, synthetic logs from the simulator, and the assessment."""
