"""Signed, versioned exchange bundles between instances (a province reporting to the nation).

A bundle is one JSON object::

    {"format": "chokepoint-bundle/1", "sender": "zhejiang", "receiver": "national",
     "sequence": 7, "created_at": "2026-12-04T02:00:00+00:00", "policy": "raw",
     "unit": "CN-ZJ", "digest": "<sha256 of the payload>", "payload": {...},
     "signature": "<Ed25519 signature, base64>"}

The signature covers the canonical form (:func:`canonical`: keys sorted, no spaces, UTF-8) of
every field but ``signature``, so any change to any byte of the header or payload breaks it
(RFC 8032 Ed25519, through the ``cryptography`` package). Sequences start at 1 and grow by one
per bundle from a sender to a receiver: the receiver merges bundle n only after n - 1, a bundle
it already merged is acknowledged again without merging it twice (idempotence), and the digest
tells a replay from a different bundle reusing a sequence.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from chokepoint.errors import BundleRefusedError

FORMAT = "chokepoint-bundle/1"
HEADER_FIELDS = ("format", "sender", "receiver", "sequence", "created_at", "policy", "unit", "digest")
POLICIES = ("raw", "aggregate")
#: sequences fit the stores' 32-bit integers
MAX_SEQUENCE = 2**31


def canonical(value: Any) -> bytes:
    """The canonical bytes of a JSON value: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def digest(payload: Any) -> str:
    """The SHA-256 of the payload's canonical bytes (hex)."""
    return hashlib.sha256(canonical(payload)).hexdigest()


def new_private_key() -> str:
    """A new Ed25519 private key, as base64 of its 32 raw bytes."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def public_key_of(private_key: str) -> str:
    """The public key (base64 of 32 raw bytes) of a private key of :func:`new_private_key`."""
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def check_public_key(public_key: str) -> str:
    """``public_key`` when it is a base64 Ed25519 public key (``BundleRefusedError`` else)."""
    try:
        raw = base64.b64decode(public_key, validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError) as exc:
        raise BundleRefusedError(f"not an Ed25519 public key (base64 of 32 bytes): {exc}") from None
    return public_key


def fingerprint(public_key: str) -> str:
    """A short fingerprint of a public key to compare by eye or phone (SHA-256, 16 hex digits)."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


def sign(body: dict[str, Any], private_key: str) -> dict[str, Any]:
    """``body`` with its ``signature`` (over :func:`canonical` of every other field)."""
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    return {**unsigned, "signature": base64.b64encode(key.sign(canonical(unsigned))).decode()}


def verify(body: dict[str, Any], public_key: str) -> None:
    """Check ``body``'s signature with the sender's public key.

    Raises
    ------
    BundleRefusedError
        When the signature is missing, malformed or does not match.
    """
    signature = body.get("signature")
    if not isinstance(signature, str):
        raise BundleRefusedError("the bundle is not signed")
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(
            base64.b64decode(signature, validate=True), canonical(unsigned)
        )
    except (InvalidSignature, ValueError, TypeError):
        raise BundleRefusedError(
            f"the signature of the bundle from {body.get('sender')!r} does not match its registered key"
        ) from None


def make_bundle(
    sender: str,
    receiver: str,
    sequence: int,
    created_at: str,
    policy: str,
    unit: str,
    payload: dict[str, Any],
    private_key: str,
) -> dict[str, Any]:
    """A signed bundle (see the module's layout)."""
    body = {
        "format": FORMAT,
        "sender": sender,
        "receiver": receiver,
        "sequence": sequence,
        "created_at": created_at,
        "policy": policy,
        "unit": unit,
        "digest": digest(payload),
        "payload": payload,
    }
    return sign(body, private_key)


def check_bundle(body: Any, receiver: str) -> dict[str, Any]:
    """The bundle's header when its form is right for ``receiver`` (before its signature).

    Raises
    ------
    BundleRefusedError
        For another format, a missing field, another receiver, a bad sequence or policy, or a
        digest that does not match the payload.
    """
    if not isinstance(body, dict):
        raise BundleRefusedError("a bundle is a JSON object")
    if body.get("format") != FORMAT:
        raise BundleRefusedError(
            f"unknown bundle format {body.get('format')!r}; this instance reads {FORMAT}"
        )
    missing = [f for f in (*HEADER_FIELDS, "payload", "signature") if f not in body]
    if missing:
        raise BundleRefusedError(f"the bundle lacks {', '.join(missing)}")
    if body["receiver"] != receiver:
        raise BundleRefusedError(f"the bundle is for {body['receiver']!r}, not this instance ({receiver!r})")
    sequence = body["sequence"]
    if not isinstance(sequence, int) or isinstance(sequence, bool) or not 1 <= sequence < MAX_SEQUENCE:
        raise BundleRefusedError(f"the bundle's sequence is not a whole number from 1 to {MAX_SEQUENCE - 1}")
    if body["policy"] not in POLICIES:
        raise BundleRefusedError(f"unknown policy {body['policy']!r}; one of {', '.join(POLICIES)}")
    if not isinstance(body["payload"], dict) or digest(body["payload"]) != body["digest"]:
        raise BundleRefusedError("the bundle's payload does not match its digest")
    return {f: body[f] for f in HEADER_FIELDS}
