"""Package and protocol versions (the protocol version changes only when the wire format does)."""

__version__ = "0.1.0"

#: version of the kernel comm / websocket message protocol (see ARCHITECTURE.md)
PROTOCOL_VERSION = "1.0"
