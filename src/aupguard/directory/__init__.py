"""The directory: people, buildings, groups and accounts, read from district exports."""
