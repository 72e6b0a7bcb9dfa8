"""Tongxin (同心): emergency response across a civil-affairs service network."""
