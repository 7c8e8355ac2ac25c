"""`acr-desktop`: the window by default; `acr-desktop inspect REF` is headless (no Qt import)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from acr_desktop import __version__

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_AUTH = 4
EXIT_VERIFY = 5
EXIT_CANCELLED = 130


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["inspect"]:
        return inspect_main(args[1:])
    parser = argparse.ArgumentParser(
        prog="acr-desktop",
        description="Look inside container images in OCI / Docker registries. "
        "Run `acr-desktop inspect --help` for the headless inspector.",
    )
    parser.add_argument("--version", action="version", version=f"acr-desktop {__version__}")
    parser.add_argument("reference", nargs="?", help="a reference to inspect at once")
    opts, qt_args = parser.parse_known_args(args)
    from acr_desktop.ui.app import run  # Qt only when the window is wanted

    return run(opts.reference, qt_args)


def inspect_main(argv: list[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(
        prog="acr-desktop inspect",
        description="Show what a reference resolves to: digest, media type, platforms or layers.",
        epilog="Exit codes: 0 ok, 2 bad usage or reference, 3 not found, 4 sign-in or "
        "permission failure, 5 digest verification failed, 1 any other error.",
    )
    parser.add_argument("reference")
    parser.add_argument("--username", "-u")
    parser.add_argument("--password-stdin", action="store_true", help="read the secret from stdin")
    parser.add_argument("--platform", help="os/arch[/variant] to pick from a multi-arch index")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="a stable machine-readable summary")
    group.add_argument("--raw", action="store_true", help="the manifest bytes exactly as received")
    parser.add_argument("--timeout", type=float, default=30.0, help="read timeout in seconds")
    opts = parser.parse_args(argv)

    from acr_desktop.registry import errors
    from acr_desktop.registry.auth import Credentials
    from acr_desktop.registry.client import RegistryClient
    from acr_desktop.registry.manifest import ImageIndex, Platform
    from acr_desktop.registry.reference import parse_reference
    from acr_desktop.registry.transport import Transport

    try:
        ref = parse_reference(opts.reference)
        platform = Platform.parse(opts.platform) if opts.platform else None
    except (errors.InvalidReference, ValueError) as exc:
        print(f"acr-desktop: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if opts.password_stdin and not opts.username:
        print("acr-desktop: --password-stdin needs --username", file=sys.stderr)
        return EXIT_USAGE
    if opts.username and not opts.password_stdin:
        print("acr-desktop: give the secret with --password-stdin", file=sys.stderr)
        return EXIT_USAGE

    client = RegistryClient(Transport(timeout=(5.0, opts.timeout)))
    if opts.username:
        secret = sys.stdin.readline().rstrip("\r\n")
        client.transport.set_credentials(ref.registry, Credentials.for_user(opts.username, secret))
    try:
        fetched = client.get_manifest(ref)
        chosen = None
        if platform is not None:
            if not isinstance(fetched.manifest, ImageIndex):
                print(
                    f"acr-desktop: {ref} is not a multi-arch index; --platform does not apply",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            entry = fetched.manifest.find_platform(platform)
            if entry is None:
                have = ", ".join(str(e.platform) for e in fetched.manifest.platforms)
                print(f"acr-desktop: no {platform} in {ref} (it has: {have})", file=sys.stderr)
                return EXIT_NOT_FOUND
            chosen = client.get_child(fetched.reference, entry)
    except errors.Cancelled:
        return EXIT_CANCELLED
    except errors.NotFound as exc:
        print(f"acr-desktop: {exc}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except (errors.AuthenticationRequired, errors.AccessDenied) as exc:
        print(f"acr-desktop: {exc}", file=sys.stderr)
        return EXIT_AUTH
    except errors.DigestMismatch as exc:
        print(f"acr-desktop: {exc}", file=sys.stderr)
        return EXIT_VERIFY
    except errors.RegistryError as exc:
        print(f"acr-desktop: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_CANCELLED

    shown = chosen or fetched
    if opts.raw:
        out.flush()
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            buffer.write(shown.raw)
            buffer.flush()
        else:
            out.write(shown.raw.decode("utf-8", "replace"))
        return EXIT_OK
    from acr_desktop.summary import summarize, write_text

    summary = summarize(fetched, chosen)
    if opts.json:
        json.dump(summary, out, indent=2)
        out.write("\n")
    else:
        write_text(summary, out)
    for warning in summary["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK
