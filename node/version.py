"""What the node calls itself, and which Mastodon API level it implements."""

SOFTWARE = "permitted-node"
VERSION = "0.1.0"
# The Mastodon release whose client API shapes this node follows.
MASTODON_COMPAT = "4.3.0"
# api_versions.mastodon: 2 means grouped notifications (v2) are served.
MASTODON_API_VERSION = 2
