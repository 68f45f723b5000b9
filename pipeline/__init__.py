"""Publishing pipeline of the 常熟市科学技术局 public portal.

The core (front matter, roster, policy, review records, signatures, verification,
site sources) knows nothing of MkDocs, git or the terminal; ``main`` (the ``portal``
command) and ``mkdocs_plugin`` are thin adapters around it.
"""
