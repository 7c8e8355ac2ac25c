"""Hypothesis strategies for hostile parser input: arbitrary bytes and text, and JSON of the right
shape with wrong field types, deep nesting, huge numbers and lone surrogates.

Shared by the property tests (test_parsers_fuzz.py); plain strategies, no test of their own.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import strategies as st

from acr_desktop.registry import mediatypes as mt

# The normal suite stays fast; the CI slow tier sets ACR_FUZZ_EXAMPLES=3000.
EXAMPLES = int(os.environ.get("ACR_FUZZ_EXAMPLES", "200"))

_BIG = "__BIG_NUMBER__"  # replaced in the serialised text (json.dumps cannot write 5,000 digits)
_BIG_TEXTS = ("9" * 5000, "-" + "1" * 30, "1e999999", "-1e400", "1" * 25, "1." + "0" * 400 + "1")
SHA = "sha256:" + "a" * 64

# st.text() leaves surrogates out: mix lone ones in on purpose (they come from `\ud800` escapes
# in JSON, or from headers and files decoded leniently).
_lone_surrogate = st.integers(min_value=0xD800, max_value=0xDFFF).map(chr)
_any_text = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(_lone_surrogate, st.characters()), max_size=12).map("".join),
)
_numbers = st.one_of(
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**64),
    st.integers(min_value=-(2**63), max_value=-1),
    st.sampled_from([10**400, -(10**400), 2**63 - 1, 2**63]),
    st.floats(allow_nan=False),
    st.just(_BIG),
)
_scalars = st.one_of(st.none(), st.booleans(), _numbers, _any_text, st.just(SHA))
json_values: st.SearchStrategy[Any] = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_any_text, inner, max_size=4)
    ),
    max_leaves=12,
)


# Wrong types for a field: any scalar, or a small flat list or object (a recursive value here
# would make generating an example cost more than parsing it).
_wrong = st.one_of(
    _scalars,
    st.lists(_scalars, max_size=2),
    st.dictionaries(_any_text, _scalars, max_size=2),
)


def _field(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value of the right type, sometimes one of the wrong type."""
    return st.one_of(good, good, _wrong)


_annotations = _field(st.dictionaries(_any_text, _any_text, max_size=3))
_platform = _field(
    st.fixed_dictionaries(
        {"os": _field(st.just("linux")), "architecture": _field(st.just("arm64"))},
        optional={"variant": _field(st.just("v8")), "os.features": _wrong},
    )
)
descriptor = _field(
    st.fixed_dictionaries(
        {
            "mediaType": _field(st.just(mt.OCI_MANIFEST)),
            "digest": _field(st.sampled_from([SHA, "sha256:abc", "md5:" + "a" * 32])),
            "size": _field(st.integers(min_value=0, max_value=2**64)),
        },
        optional={
            "annotations": _annotations,
            "platform": _platform,
            "urls": _wrong,
            "artifactType": _wrong,
        },
    )
)
image_manifest = st.fixed_dictionaries(
    {"schemaVersion": _field(st.just(2)), "config": descriptor},
    optional={
        "mediaType": _field(st.sampled_from(sorted(mt.IMAGE_TYPES))),
        "layers": _field(st.lists(descriptor, max_size=3)),
        "annotations": _annotations,
        "subject": descriptor,
        "artifactType": _wrong,
    },
)
image_index = st.fixed_dictionaries(
    {"schemaVersion": _field(st.just(2)), "manifests": _field(st.lists(descriptor, max_size=3))},
    optional={
        "mediaType": _field(st.sampled_from(sorted(mt.INDEX_TYPES))),
        "annotations": _annotations,
        "subject": descriptor,
    },
)
schema1 = st.fixed_dictionaries(
    {"schemaVersion": _field(st.just(1))},
    optional={
        "name": _field(_any_text),
        "tag": _field(_any_text),
        "architecture": _field(_any_text),
        "fsLayers": _field(
            st.lists(_field(st.fixed_dictionaries({"blobSum": _field(st.just(SHA))})))
        ),
    },
)
_run = st.fixed_dictionaries(
    {},
    optional={
        key: _field(good)
        for key, good in {
            "User": _any_text,
            "Env": st.lists(_any_text, max_size=3),
            "Entrypoint": st.lists(_any_text, max_size=3),
            "Cmd": _any_text,
            "WorkingDir": _any_text,
            "ExposedPorts": st.dictionaries(_any_text, st.just({}), max_size=3),
            "Labels": st.dictionaries(_any_text, _any_text, max_size=3),
        }.items()
    },
)
image_config = st.fixed_dictionaries(
    {},
    optional={
        "created": _field(_any_text),
        "os": _field(st.just("linux")),
        "architecture": _field(st.just("amd64")),
        "variant": _wrong,
        "os.version": _wrong,
        "author": _wrong,
        "config": _field(_run),
        "rootfs": _field(st.fixed_dictionaries({"diff_ids": _field(st.lists(st.just(SHA)))})),
        "history": _field(
            st.lists(
                _field(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "created_by": _field(_any_text),
                            "empty_layer": _wrong,
                            "comment": _wrong,
                        },
                    )
                ),
                max_size=3,
            )
        ),
    },
)
docker_config = st.fixed_dictionaries(
    {},
    optional={
        "auths": _field(
            st.dictionaries(
                st.sampled_from(["myregistry.azurecr.io", "https://index.docker.io/v1/", "x"]),
                _field(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            k: _wrong
                            for k in (
                                "auth",
                                "username",
                                "password",
                                "identitytoken",
                                "registrytoken",
                            )
                        },
                    )
                ),
                max_size=3,
            )
        ),
        # Helper names that cannot be installed: the fuzz must not run programs.
        "credHelpers": _field(st.dictionaries(_any_text, _wrong, max_size=2)),
        "credsStore": _wrong,
    },
)


any_text = _any_text


def deep(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    return '{"manifests":' + "[" * depth + "]" * depth + "}"


deep_text = st.builds(
    deep, st.integers(min_value=1, max_value=3000), st.sampled_from(["list", "object", "field"])
)


def serialise(doc: Any, ascii_only: bool, big: str) -> bytes:
    """JSON bytes of `doc`; lone surrogates become `\\udXXX` escapes or `surrogatepass` bytes."""
    text = json.dumps(doc, ensure_ascii=ascii_only).replace(json.dumps(_BIG), big)
    return text.encode("utf-8", "surrogatepass")


def documents(shape: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Bytes of one document: shaped JSON, nested JSON, or noise."""
    shaped = st.builds(serialise, shape, st.booleans(), st.sampled_from(_BIG_TEXTS))
    return st.one_of(
        shaped,
        shaped,
        shaped,
        deep_text.map(str.encode),
        st.binary(max_size=200),
        _any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    )


content_types = st.one_of(
    st.none(),
    st.sampled_from(sorted(mt.INDEX_TYPES | mt.IMAGE_TYPES | mt.SCHEMA1_TYPES)),
    st.sampled_from(["application/json", "text/plain; charset=utf-8", ""]),
    _any_text,
)
manifest_bodies = documents(st.one_of(image_manifest, image_index, schema1, json_values))
config_bodies = documents(st.one_of(image_config, json_values))
docker_config_bodies = documents(st.one_of(docker_config, json_values))

# Built from pieces rather than st.from_regex, which costs more than the parsers themselves.
reference_texts = st.one_of(
    _any_text,
    st.builds(
        "".join,
        st.tuples(
            st.sampled_from(["", "docker pull ", "https://", "sudo podman pull --platform x "]),
            st.sampled_from(["", "reg.io/", "localhost:5000/", "[::1]:5000/", "reg:²/", "R.io/"]),
            st.text(alphabet="ab9/._-A", max_size=20),
            st.sampled_from(["", ":latest", ":", ":-x", ":²", ":" + "t" * 129]),
            st.sampled_from(["", "@" + SHA, "@sha256:abc", "@md5:x", "@", "@SHA256:"]),
        ),
    ),
    st.builds(lambda n: "a" * n + "!", st.integers(min_value=0, max_value=70000)),
    st.builds(lambda n: "reg:" + "9" * n + "/x", st.integers(min_value=1, max_value=6000)),
)
challenge_texts = st.one_of(
    _any_text,
    st.text(max_size=200),
    st.text(alphabet='<",= \\abcBearer\t', max_size=400),
    st.builds(
        lambda chars, n: (chars * n)[: 65 * 1024],
        st.sampled_from(["<", '"', ",", "=", '<",=', 'a="', "a=,", "x ", "\\"]),
        st.integers(min_value=1, max_value=65 * 1024),
    ),
)
digest_texts = st.one_of(
    st.just(SHA),
    _any_text,
    st.builds(
        "{}:{}".format,
        st.sampled_from(["sha256", "sha512", "md5", "", "SHA256", "sha256+b64"]),
        st.text(alphabet="0123456789abcdefA", max_size=130),
    ),
)
