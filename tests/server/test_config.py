"""Configuration: defaults, TOML, environment overrides, one clear error naming the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.cli import main
from server.config import Config, ConfigError, describe_defaults, load_config

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "videotermin.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_run_without_any_file() -> None:
    config = load_config(None, {})
    assert config == Config()
    assert (config.http.host, config.http.port) == ("127.0.0.1", 8080)
    assert config.media.udp_port == 3479 and config.retention.days == 90
    assert config.mail.mode == "outbox" and config.access.opens_minutes_before == 30
    assert str(config.outbox_path) == "var/outbox"


def test_file_and_environment(tmp_path: Path) -> None:
    path = write(tmp_path, """
[http]
port = 9000
public_url = "https://termine.amt.example"
[media]
announced_addresses = ["203.0.113.7"]
[mail]
mode = "smtp"
smtp_host = "mail.amt.example"
[turn]
servers = ["turn:turn.amt.example:3478", "turns:turn.amt.example:443"]
shared_secret = "s"
""")
    config = load_config(path, {
        "VIDEOTERMIN_HTTP_PORT": "9100", "VIDEOTERMIN_MAIL_SMTP_STARTTLS": "false",
        "VIDEOTERMIN_MEDIA_ANNOUNCED_ADDRESSES": "198.51.100.1, 2001:db8::1",
        "VIDEOTERMIN_LONG": "1", "OTHER": "x",
    })
    assert config.http.port == 9100  # environment wins
    assert config.http.public_url == "https://termine.amt.example"
    assert config.media.announced_addresses == ("198.51.100.1", "2001:db8::1")
    assert config.mail.smtp_host == "mail.amt.example" and config.mail.smtp_starttls is False
    assert config.turn.servers[1] == "turns:turn.amt.example:443"


@pytest.mark.parametrize(("toml", "env", "key"), [
    ("[htp]\nport = 1\n", {}, "htp"),
    ("[http]\nprot = 1\n", {}, "http.prot"),
    ("[http]\nport = \"80\"\n", {}, "http.port"),
    ("[http]\nport = 70000\n", {}, "http.port"),
    ("[retention]\ndays = 91\n", {}, "retention.days"),
    ("[retention]\ndays = 0\n", {}, "retention.days"),
    ("[mail]\nmode = \"pigeon\"\n", {}, "mail.mode"),
    ("[mail]\nsmtp_tls = true\n", {}, "mail.smtp_starttls"),
    ("[mail]\nfrom_address = \"nobody\"\n", {}, "mail.from_address"),
    ("[site]\ntimezone = \"Mars/Olympus\"\n", {}, "site.timezone"),
    ("[http]\ntls_cert = \"/nonexistent.pem\"\ntls_key = \"/nonexistent.key\"\n", {},
     "http.tls_cert"),
    ("[http]\ntls_cert = \"x\"\n", {}, "http.tls_key"),
    ("[turn]\nservers = [\"turn:t.example\"]\n", {}, "turn.shared_secret"),
    ("[media]\nannounced_addresses = \"1.2.3.4\"\n", {}, "media.announced_addresses"),
    ("", {"VIDEOTERMIN_HTTP_PORT": "eighty"}, "http.port (from VIDEOTERMIN_HTTP_PORT)"),
    ("", {"VIDEOTERMIN_HTTP_PROT": "1"}, "VIDEOTERMIN_HTTP_PROT"),
    ("", {"VIDEOTERMIN_MAIL_SMTP_TLS": "maybe"}, "mail.smtp_tls (from VIDEOTERMIN_MAIL_SMTP_TLS)"),
    ("[http\n", {}, "--config"),
])
def test_bad_values_name_the_key(tmp_path: Path, toml: str, env: dict[str, str],
                                 key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, toml), env)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"configuration error in {key}: ")


def test_cli_reports_bad_config_with_exit_code_2(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "[retention]\ndays = 365\n")
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["videotermin: configuration error in retention.days: must be between 1 and 90"]
    assert main(["serve", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "file not found" in capsys.readouterr().err
    good = write(tmp_path, "[mail]\nsmtp_password = \"hunter2hunter2\"\n")
    assert main(["check-config", "--config", str(good)]) == 0
    out = capsys.readouterr().out
    assert "[retention]" in out and "days = 90" in out and "hunter2" not in out


def test_real_process_exit_code(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve"], capture_output=True, text=True,
        timeout=30, cwd=tmp_path,
        env={"VIDEOTERMIN_HTTP_PORT": "-1", "PATH": "/usr/bin:/bin",
             "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "videotermin: configuration error in http.port: must be between 0 and 65535")


def test_every_key_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [f"{section}.{key}" for section, keys in describe_defaults().items()
               for key in keys if f"`{section}.{key}`" not in text]
    assert missing == []
