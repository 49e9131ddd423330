"""Tolerant readers for posture sources. Each returns records that keep their source lines, and
ReadErrors (file, line, reason) for what it could not use: nothing is dropped silently."""
