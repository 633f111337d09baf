"""Webhooks: photos analysed, failed and decided, pushed to the systems that asked.

``events`` writes the outbox rows in the transaction of the change they tell of, ``signing``
signs a body, ``endpoints`` is what admins manage, and ``deliver`` sends what is due, with
back-off, from every API process (a claim keeps two processes from sending one row).
"""
