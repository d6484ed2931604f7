"""Mainline DHT (BEP 5 KRPC + BEP 44 storage) node, client interface and local swarm."""

from did.mainline.client import DhtClient
from did.mainline.node import DhtConfig, DhtError, DhtNode, PutRejected, QueryTimeout
from did.mainline.swarm import LocalSwarm

__all__ = ["DhtClient", "DhtConfig", "DhtError", "DhtNode", "LocalSwarm", "PutRejected", "QueryTimeout"]
