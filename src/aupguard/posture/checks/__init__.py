"""Posture checks: pure functions from reader records (plus directory, settings and the time of
judgement) to Observations. No I/O: `posture.run` reads, judges and stores."""
