"""A school through time: set-up of a new school or class, the year rollover, consent
that lapses, retention periods and erasure of a pupil."""
