"""The deployment files in `deploy/` cannot be built here (no container registry): what can
be checked is. Each file parses; every `mentorbot` command and every setting they name
exists; the image is built with the README's install command and probes a path the web
server serves; the ports agree between the image, compose, the proxy and the settings."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from aiohttp.test_utils import TestClient, TestServer
from pydantic import AliasChoices
from typer.core import TyperGroup

from bot.cli import app as cli_app
from bot.settings import Settings, TelegramMode, load_settings
from handlers.web import SLACK_PATH, TELEGRAM_PATH, build_web_app

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
CADDYFILE = DEPLOY / "Caddyfile"
UNIT = DEPLOY / "mentorbot.service"

# names that look like ours must be settings; the others are the images' own or deploy's
OURS = re.compile(r"(?:MENTORBOT|TELEGRAM|SLACK)_[A-Z0-9_]+")
NOT_OURS = frozenset(
    {
        "PATH",
        "PYTHONUNBUFFERED",
        "PIP_NO_CACHE_DIR",
        "PIP_DISABLE_PIP_VERSION_CHECK",
        "POSTGRES_USER",
        "POSTGRES_DB",
        "POSTGRES_PASSWORD",
        "PUBLIC_HOST",
    }
)
# what an operator puts in deploy/.env, for the settings check
SAMPLE_ENV = {
    "POSTGRES_PASSWORD": "b2c4e6f8a0b2c4e6",
    "PUBLIC_HOST": "mentorbot.example.org",
    "TELEGRAM_BOT_TOKEN": "123456789:AAEabcdefghijklmnopqrstuvwxyz012345",
    "TELEGRAM_WEBHOOK_SECRET": "s3cr3t-webhook_token",
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
}
# ${NAME}, ${NAME:?message}, ${NAME:-default} (compose); {$NAME} (Caddy)
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?+-][^}]*)?\}")
CADDY_VARIABLE = re.compile(r"\{\$([A-Za-z_][A-Za-z0-9_]*)\}")


# --- helpers (their own tests below show they catch mistakes)


def settings_variables() -> frozenset[str]:
    """Every environment variable `bot.settings.Settings` reads."""
    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(choice for choice in alias.choices if isinstance(choice, str))
    return frozenset(name for name in names if name.isupper())


def unknown_variables(names: set[str]) -> set[str]:
    """The names among `names` that are neither a setting nor a known outside variable."""
    known = settings_variables()
    return {
        name
        for name in names
        if (OURS.fullmatch(name) and name not in known)
        or (not OURS.fullmatch(name) and name not in NOT_OURS)
    }


def resolve(words: list[str]) -> str:
    """The `mentorbot` command that `words` (a command line) runs, e.g. "db upgrade";
    `LookupError` when a word is not a command, a group is left without its command, or an
    option is unknown."""
    program, *rest = words
    if Path(program).name != "mentorbot":
        raise LookupError(f"{program!r} is not mentorbot")
    command = typer.main.get_command(cli_app)
    path: list[str] = []
    while isinstance(command, TyperGroup):
        if not rest or rest[0].startswith("-"):
            raise LookupError(f"{' '.join(words)!r} names a group, not a command")
        found = command.commands.get(rest[0])
        if found is None:
            raise LookupError(f"{rest[0]!r} is not a mentorbot command ({' '.join(words)!r})")
        path.append(rest[0])
        command, rest = found, rest[1:]
    options = {option for param in command.params for option in param.opts}
    for word in rest:
        name = word.split("=", 1)[0]
        if name.startswith("-") and name not in options:
            raise LookupError(f"{name!r} is not an option of {' '.join(words)!r}")
    return " ".join(path)


def instructions(text: str) -> list[tuple[str, str]]:
    """A Dockerfile's instructions, continuation lines joined: (KEYWORD, arguments)."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        found.append((keyword.upper(), " ".join(arguments.split())))
        pending = ""
    return found


def stages(text: str) -> list[list[tuple[str, str]]]:
    """The Dockerfile's build stages, each from its FROM on."""
    result: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions(text):
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, arguments))
    return result


def env_names(arguments: str) -> set[str]:
    """The variables an ENV instruction sets (`A=1 B=2`)."""
    return {word.split("=", 1)[0] for word in shlex.split(arguments)}


def env_values(arguments: str) -> dict[str, str]:
    return dict(word.split("=", 1) for word in shlex.split(arguments))


def readme_commands() -> tuple[str, str]:
    """The README's "Try it" first command, as (install, start): the last `&&` part starts
    the bot, the rest installs it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Try it: the two commands", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    *install, start = block.strip().splitlines()[0].split(" && ")
    return " && ".join(install), start


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def bot_services() -> dict[str, dict[str, Any]]:
    """The compose services that run the Mentorbot image."""
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("build", {}).get("dockerfile") == "deploy/Dockerfile"
    }


def interpolated(value: str) -> str:
    return INTERPOLATION.sub(lambda match: SAMPLE_ENV[match.group(1)], value)


def unit_sections() -> dict[str, dict[str, list[str]]]:
    """The systemd unit: section -> key -> values (a key may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in UNIT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"a line outside any section: {line!r}"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def caddy_upstream() -> tuple[str, int]:
    """The host name and port the proxy sends requests to (`dynamic a HOST PORT`)."""
    found = re.search(r"dynamic\s+a\s+(\S+)\s+(\d+)", CADDYFILE.read_text(encoding="utf-8"))
    assert found is not None, "the Caddyfile has no `dynamic a HOST PORT` upstream"
    return found.group(1), int(found.group(2))


def healthcheck_url() -> str:
    final = stages(DOCKERFILE.read_text(encoding="utf-8"))[-1]
    checks = [arguments for keyword, arguments in final if keyword == "HEALTHCHECK"]
    assert len(checks) == 1, "the image has one HEALTHCHECK"
    found = re.search(r"http://[^'\"\s]+", checks[0])
    assert found is not None, f"no URL in the HEALTHCHECK: {checks[0]!r}"
    return found.group(0)


# --- the helpers catch mistakes


def test_resolve_refuses_what_is_not_a_command() -> None:
    assert resolve(["mentorbot", "run"]) == "run"
    assert resolve(["/opt/mentorbot/.venv/bin/mentorbot", "db", "upgrade"]) == "db upgrade"
    for words in (
        ["mentorbot", "migrate"],
        ["mentorbot", "db"],
        ["mentorbot", "db", "migrate"],
        ["mentorbot", "run", "--workers=2"],
        ["python", "-m", "bot"],
    ):
        with pytest.raises(LookupError):
            resolve(words)


def test_unknown_variables_are_found() -> None:
    assert unknown_variables({"MENTORBOT_HTTP_PORT", "SLACK_BOT_TOKEN", "PUBLIC_HOST"}) == set()
    assert unknown_variables({"MENTORBOT_HTTP_PROT", "TELEGRAM_TOKEN", "DATABASE_URL"}) == {
        "MENTORBOT_HTTP_PROT",
        "TELEGRAM_TOKEN",
        "DATABASE_URL",
    }


def test_dockerfile_instructions_join_continued_lines() -> None:
    text = "# comment\nFROM a AS b\nRUN x \\\n    && y\n\nENV A=1 \\\n    B=2\n"
    assert instructions(text) == [("FROM", "a AS b"), ("RUN", "x && y"), ("ENV", "A=1 B=2")]


# --- the image


def test_the_image_is_built_with_the_readme_install_command() -> None:
    install, start = readme_commands()
    assert install == "python3 -m venv .venv && . .venv/bin/activate && pip install ."
    build, run = stages(DOCKERFILE.read_text(encoding="utf-8"))[-2:]
    assert ("RUN", install) in build
    commands = [json.loads(arguments) for keyword, arguments in run if keyword == "CMD"]
    assert commands == [start.split()]
    resolve(commands[0])


def test_the_image_is_multi_stage_and_runs_unprivileged() -> None:
    all_stages = stages(DOCKERFILE.read_text(encoding="utf-8"))
    assert len(all_stages) >= 2
    build_name = all_stages[-2][0][1].split()[-1]
    final = all_stages[-1]
    copies = [arguments for keyword, arguments in final if keyword == "COPY"]
    assert any(arguments.startswith(f"--from={build_name} ") for arguments in copies)
    # only the virtual environment comes over: no sources, no build tools
    assert all(arguments.startswith("--from=") for arguments in copies)
    users = [arguments for keyword, arguments in final if keyword == "USER"]
    assert users, "the final stage sets a USER"
    assert users[-1] not in ("root", "0", "0:0")
    # the user comes last: nothing after it needs root, and the process does not run as root
    assert [keyword for keyword, _ in final].index("USER") > max(
        index for index, (keyword, _) in enumerate(final) if keyword in ("RUN", "COPY")
    )


def test_the_image_copies_every_package_and_nothing_excluded() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {
        pattern.rstrip("*")
        for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    build = stages(DOCKERFILE.read_text(encoding="utf-8"))[-2]
    sources: set[str] = set()
    for keyword, arguments in build:
        if keyword == "COPY":
            *copied, _target = arguments.split()
            sources.update(copied)
    assert packages | {"pyproject.toml", "README.md"} <= sources
    for source in sources:
        assert (ROOT / source).exists(), source
    # BuildKit reads Dockerfile.dockerignore beside the Dockerfile: everything but the
    # sources is left out of the build context, so each source copied must be let in
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    assert "*" in ignore
    allowed = {line[1:] for line in ignore if line.startswith("!")}
    assert sources <= allowed
    assert not {".env", ".venv", ".git", "tests"} & allowed


async def test_the_healthcheck_probes_a_path_the_web_server_serves() -> None:
    url = healthcheck_url()
    path = "/" + url.split("/", 3)[3]
    assert path == "/healthz"
    async with TestClient(TestServer(build_web_app())) as client:
        response = await client.get(path)
        assert response.status == 200
        assert await response.json() == {"status": "ok"}


def test_the_image_settings_exist_and_load() -> None:
    final = stages(DOCKERFILE.read_text(encoding="utf-8"))[-1]
    names: set[str] = set()
    values: dict[str, str] = {}
    for keyword, arguments in final:
        if keyword == "ENV":
            names |= env_names(arguments)
            values |= env_values(arguments)
    assert unknown_variables(names) == set()
    ours = {name: value for name, value in values.items() if OURS.fullmatch(name)}
    settings = load_settings(_env_file=None, **ours)
    assert settings.http_host == "0.0.0.0"  # noqa: S104 - reachable from outside the container
    # the SQLite file of a one-container install is in the state directory, the WORKDIR
    workdir = [arguments for keyword, arguments in final if keyword == "WORKDIR"][-1]
    assert settings.database_url == f"sqlite+aiosqlite:///{workdir}/mentorbot.db"


# --- compose and the proxy


def test_compose_has_postgres_two_replicas_and_a_proxy() -> None:
    loaded = compose()
    services = loaded["services"]
    assert set(services) == {"postgres", "migrate", "bot", "caddy"}
    assert services["bot"]["deploy"]["replicas"] == 2
    data = [
        volume
        for volume in services["postgres"]["volumes"]
        if volume.endswith(":/var/lib/postgresql/data")
    ]
    assert len(data) == 1
    assert data[0].split(":")[0] in loaded["volumes"]
    # HTTPS published by the proxy only; the replicas are reached through it
    assert "443:443" in services["caddy"]["ports"]
    for name, service in bot_services().items():
        assert "ports" not in service, name
        assert service["env_file"] == ".env"
        assert "container_name" not in service, name  # would forbid two replicas
    # the schema is migrated once, before the replicas start
    assert services["bot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for service in services.values():
        for needed in service.get("depends_on", {}):
            assert needed in services


def test_compose_commands_are_mentorbot_commands() -> None:
    commands = {name: service["command"] for name, service in bot_services().items()}
    assert commands == {"migrate": ["mentorbot", "db", "upgrade"], "bot": ["mentorbot", "run"]}
    for command in commands.values():
        resolve(command)


def test_compose_and_caddy_name_only_real_settings() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    names = set(INTERPOLATION.findall(text))
    for service in bot_services().values():
        names |= set(service["environment"])
    assert unknown_variables(names) == set()
    assert set(INTERPOLATION.findall(text)) <= set(SAMPLE_ENV)
    # Caddy reads its variables from its container's environment
    caddy = CADDY_VARIABLE.findall(CADDYFILE.read_text(encoding="utf-8"))
    assert caddy
    assert set(caddy) <= set(compose()["services"]["caddy"]["environment"])
    assert unknown_variables(set(caddy)) == set()


def test_the_replicas_settings_load_as_webhook_on_postgresql() -> None:
    services = compose()["services"]
    environment = {
        name: interpolated(str(value)) for name, value in services["bot"]["environment"].items()
    }
    from_env_file = {name: SAMPLE_ENV[name] for name in SAMPLE_ENV if OURS.fullmatch(name)}
    settings = load_settings(_env_file=None, **(from_env_file | environment))
    assert settings.telegram_mode is TelegramMode.WEBHOOK
    assert settings.slack_app_token is None  # Slack over HTTP, not Socket Mode
    assert settings.telegram_webhook_url == f"https://{SAMPLE_ENV['PUBLIC_HOST']}{TELEGRAM_PATH}"
    postgres = services["postgres"]["environment"]
    user = postgres["POSTGRES_USER"]
    assert settings.database_url == (
        f"postgresql+asyncpg://{user}:{SAMPLE_ENV['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{postgres['POSTGRES_DB']}"
    )
    assert services["migrate"]["environment"] == services["bot"]["environment"]


def test_ports_agree_between_image_compose_proxy_and_settings() -> None:
    default = Settings.model_fields["http_port"].default
    final = stages(DOCKERFILE.read_text(encoding="utf-8"))[-1]
    exposed = {int(arguments) for keyword, arguments in final if keyword == "EXPOSE"}
    image_env: dict[str, str] = {}
    for keyword, arguments in final:
        if keyword == "ENV":
            image_env |= env_values(arguments)
    host, port = caddy_upstream()
    assert exposed == {default}
    assert int(image_env["MENTORBOT_HTTP_PORT"]) == default
    assert int(compose()["services"]["bot"]["environment"]["MENTORBOT_HTTP_PORT"]) == default
    assert port == default
    assert host == "bot"
    assert f":${{MENTORBOT_HTTP_PORT:-{default}}}/" in healthcheck_url()


def test_the_proxy_routes_exactly_the_platforms_paths() -> None:
    caddyfile = CADDYFILE.read_text(encoding="utf-8")
    matchers = re.findall(r"@\w+\s+path\s+([^\n]+)", caddyfile)
    assert len(matchers) == 1
    assert set(matchers[0].split()) == {TELEGRAM_PATH, SLACK_PATH}
    # anything else (/metrics, /readyz) is not published
    assert "respond 404" in caddyfile
    mounts = compose()["services"]["caddy"]["volumes"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in mounts


def test_the_slack_manifest_points_at_the_slack_endpoint() -> None:
    manifest = yaml.safe_load((DEPLOY / "slack-manifest.yml").read_text(encoding="utf-8"))
    urls = [command["url"] for command in manifest["features"]["slash_commands"]]
    urls += [
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
    ]
    assert {"/" + url.split("/", 3)[3] for url in urls} == {SLACK_PATH}


def test_secrets_files_stay_out_of_git() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored  # deploy/.env too: a pattern without a slash matches anywhere


# --- the systemd unit


def test_the_systemd_unit_runs_a_real_command_unprivileged() -> None:
    unit = unit_sections()
    service = unit["Service"]
    (exec_start,) = service["ExecStart"]
    words = shlex.split(exec_start)
    assert words[0].startswith("/"), "systemd needs an absolute path"
    assert resolve(words) == "run"
    assert service["User"] == ["mentorbot"]
    assert service["Restart"] == ["on-failure"]
    assert service["EnvironmentFile"]
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
    # the install steps in its header: the README's install command, in the folder whose
    # virtual environment ExecStart runs
    install, _start = readme_commands()
    text = UNIT.read_text(encoding="utf-8")
    folder = words[0].removesuffix("/.venv/bin/mentorbot")
    assert f"cd {folder} && {install}" in text


def test_the_systemd_hardening_leaves_the_state_directory_writable() -> None:
    service = unit_sections()["Service"]
    assert service["ProtectSystem"] == ["strict"]
    assert service["NoNewPrivileges"] == ["yes"]
    # with a read-only system, SQLite writes its file, -wal, -shm, journal and the run lock
    # in the state directory, which is the working directory a relative database URL uses
    (state,) = service["StateDirectory"]
    assert service["WorkingDirectory"] == [f"/var/lib/{state}"]
    assert service["PrivateTmp"] == ["yes"]  # SQLite's temporary files
    for key in ("ReadOnlyPaths", "InaccessiblePaths", "TemporaryFileSystem"):
        assert key not in service
    # exit codes the CLI uses: 2 wrong settings, 4 already running; never restarted
    assert service["RestartPreventExitStatus"] == ["2 4"]


def test_the_systemd_unit_names_only_real_settings() -> None:
    text = UNIT.read_text(encoding="utf-8")
    assert unknown_variables(set(OURS.findall(text))) == set()


# --- the README's "Deploy" section


def deploy_section(readme: str) -> str:
    """The README's "## Deploy" section, up to the next section."""
    assert "\n## Deploy\n" in readme, "the README has a Deploy section"
    return readme.split("\n## Deploy\n", 1)[1].split("\n## ", 1)[0]


def check_deploy_section(readme: str) -> None:
    section = deploy_section(readme)
    assert unknown_variables(set(OURS.findall(section))) == set()
    paths = set(re.findall(r"https://HOST(/[^\s`|]*)", section))
    assert paths == {TELEGRAM_PATH, SLACK_PATH}
    for words in re.findall(r"`(mentorbot [a-z][a-z ]*)`", section):
        resolve(words.split())
    for mentioned in re.findall(r"`(deploy/[\w.-]+)`", section):
        assert (ROOT / mentioned).exists(), mentioned
    for variable in ("PUBLIC_HOST", "POSTGRES_PASSWORD"):
        assert variable in section


def test_check_deploy_section_catches_a_wrong_url_or_setting() -> None:
    good = "# M\n\n## Deploy\n\n`https://HOST/slack/events`, `https://HOST/telegram/webhook`\n"
    check_deploy_section(good + "`PUBLIC_HOST`, `POSTGRES_PASSWORD`, `mentorbot db upgrade`\n")
    for bad in (
        "`https://HOST/slack/event` `PUBLIC_HOST` `POSTGRES_PASSWORD`",
        "`MENTORBOT_WEBHOOK_URL` `PUBLIC_HOST` `POSTGRES_PASSWORD`",
        "`mentorbot db migrate` `PUBLIC_HOST` `POSTGRES_PASSWORD`",
        "`deploy/docker-compose.yml` `PUBLIC_HOST` `POSTGRES_PASSWORD`",
    ):
        with pytest.raises((AssertionError, LookupError)):
            check_deploy_section(good + bad + "\n")


def test_the_readme_deploy_section_names_real_urls_settings_and_commands() -> None:
    check_deploy_section((ROOT / "README.md").read_text(encoding="utf-8"))
