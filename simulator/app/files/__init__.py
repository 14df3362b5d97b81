"""Scenario files in parts: reading, the schema, format upgrades, the format's rules, writing.

`simulator.app.storage` is the public face; import from there.
"""
