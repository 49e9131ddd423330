"""Mail capture over SMTP (docs/gateway.md): a journal receiver and a Postfix content filter.

    receive (server.py) -> spool (spool.py, fsync before 250) -> scan (consumer.py, the same
    `scanning.scan` as `aupguard scan`) -> delete the spool file once its item is stored

Filter mode also re-injects into Postfix (reinject.py) or, for rules the district marks `hold`,
keeps the message in a quarantine a reviewer releases or rejects (quarantine.py).
"""
