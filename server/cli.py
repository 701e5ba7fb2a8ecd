"""The `videotermin` command: serve, check-config, advisor accounts, purge.

Passwords (the first administrator's, new and reset ones) are printed to the terminal once and
never logged. Exit codes: 0 success, 1 failure, 2 bad configuration or usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import trio

from server.accounts.admin import AccountAdmin, AccountError
from server.accounts.passwords import Passwords
from server.audit import AuditLog
from server.clock import SystemClock
from server.config import Config, ConfigError, as_dict, load_config
from server.logging_setup import setup_logging
from server.retention.purge import Retention
from server.runtime import RunningServer, run_server
from server.signalling.cli_token import TokenError, mint_for_username
from server.storage.records import Role
from server.storage.repository import Repository, StorageError
from server.storage.sqlite_repository import SqliteRepository


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", default=os.environ.get("VIDEOTERMIN_CONFIG"),
                        help="TOML configuration file (default: $VIDEOTERMIN_CONFIG or none)")
    parser = argparse.ArgumentParser(prog="videotermin", parents=[common],
                                     description="Video consultations for public agencies.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", parents=[common], help="run the server")
    sub.add_parser("check-config", parents=[common], help="check and print the configuration")
    sub.add_parser("purge", parents=[common], help="delete expired personal data now")
    advisor = sub.add_parser("advisor", parents=[common], help="manage advisor accounts")
    actions = advisor.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", parents=[common], help="create an account (prints password)")
    add.add_argument("username")
    add.add_argument("--name", help="display name (default: the username)")
    add.add_argument("--admin", action="store_true", help="give the admin role")
    actions.add_parser("list", parents=[common], help="list accounts")
    for action, text in (("disable", "disable an account and end its sessions"),
                         ("enable", "enable a disabled account"),
                         ("reset-password", "set a new random password (prints it)")):
        actions.add_parser(action, parents=[common], help=text).add_argument("username")
    token = actions.add_parser(
        "token", parents=[common],
        help="mint an interim signed advisor token for the signalling (needs "
             "signalling.advisor_token_secret)",
    )
    token.add_argument("username")
    token.add_argument("--hours", type=float, default=8.0, help="validity (default 8)")
    token.add_argument("--appointment", type=int, default=None,
                       help="limit the token to one appointment")
    return parser


@asynccontextmanager
async def _repository(config: Config) -> AsyncIterator[Repository]:
    repo = await SqliteRepository.open(config.storage.database_path)
    try:
        yield repo
    finally:
        await repo.close()


def _admin(repo: Repository) -> AccountAdmin:
    return AccountAdmin(repo, AuditLog(repo, SystemClock()), Passwords())


def _print_password(username: str, password: str, headline: str) -> None:
    print(headline)
    print(f"  username: {username}")
    print(f"  password: {password}")
    print("Keep it now: it is shown only this once.", flush=True)


async def _advisor(config: Config, args: argparse.Namespace) -> int:
    async with _repository(config) as repo:
        admin = _admin(repo)
        if args.action == "add":
            role = Role.ADMIN if args.admin else Role.ADVISOR
            advisor, password = await admin.add(args.username, args.name or args.username,
                                                 role=role)
            _print_password(advisor.username, password, f"Created {role.value} account.")
        elif args.action == "list":
            print(f"{'id':>4}  {'username':<24} {'role':<8} {'state':<9} display name")
            for a in await admin.list():
                state = "disabled" if a.disabled else "active"
                print(f"{a.id:>4}  {a.username:<24} {a.role.value:<8} {state:<9} {a.display_name}")
        elif args.action == "token":
            try:
                print(await mint_for_username(config, repo, args.username, hours=args.hours,
                                              appointment_id=args.appointment))
            except TokenError as error:
                print(f"videotermin: {error}", file=sys.stderr)
                return 1
        elif args.action in ("disable", "enable"):
            await admin.set_disabled(args.username, args.action == "disable")
            print(f"Account {args.username}: {args.action}d.")
        else:
            _print_password(args.username, await admin.reset_password(args.username),
                            "New password set; all sessions of the account ended.")
    return 0


async def _purge(config: Config) -> int:
    async with _repository(config) as repo:
        clock = SystemClock()
        counts = await Retention(repo, clock, AuditLog(repo, clock), config).purge_now()
    print(f"Deleted: {counts.describe()}")
    return 0


async def _serve(config: Config) -> int:
    async with _repository(config) as repo:
        first = await _admin(repo).ensure_first_advisor()
    if first is not None:
        _print_password(*first, "First start: created the administrator account.")
    async with trio.open_nursery() as nursery:
        running: RunningServer = await nursery.start(run_server, config)
        print(f"videotermin serving on {running.http_url} (public URL {running.public_url})",
              flush=True)
    return 0


def _run(work: Callable[[], Awaitable[int]]) -> int:
    return trio.run(work)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # strings and lists of strings


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"videotermin: {exc}", file=sys.stderr)
        return 2
    setup_logging(config.log.level)
    try:
        if args.command == "check-config":
            for section, values in as_dict(config).items():
                print(f"[{section}]")
                for key, value in values.items():
                    print(f"{key} = {_toml_value(value)}")
            print("configuration OK", file=sys.stderr)
            return 0
        if args.command == "serve":
            return _run(lambda: _serve(config))
        if args.command == "purge":
            return _run(lambda: _purge(config))
        return _run(lambda: _advisor(config, args))
    except (AccountError, StorageError) as exc:
        print(f"videotermin: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"videotermin: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
