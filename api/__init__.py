"""The REST API (issue 18): read endpoints over the register, the procurement check and the
intake, authenticated by session or by a personal API token.

The top layer: it imports from suppliers, agreements and register; none of them imports it.
"""
