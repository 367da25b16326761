"""A throwaway WordPress for the plugin tests: Debian's `wordpress` package copied into a
temporary docroot with its own wp-config.php, a MariaDB database made for the run,
`php -S` on loopback with four workers (so WP-Cron's loopback request and the batch
callback are answered while a page is being served), and PHP run inside WordPress
for the set-up the REST API has no route for."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

WORDPRESS = Path("/usr/share/wordpress")
PLUGIN = Path(__file__).resolve().parents[2] / "integrations" / "wordpress" / "provenance-check"
PLUGIN_FILE = "provenance-check/provenance-check.php"
SOCKET = Path("/run/mysqld/mysqld.sock")
PORTS = range(18300, 18400)  # the first free one is taken
ADMIN = "editor"


def missing() -> str | None:
    """Why the WordPress tests cannot run here, or None."""
    needed = {"php": shutil.which("php"), "mariadb": shutil.which("mariadb"),
              "wordpress": WORDPRESS / "wp-settings.php"}
    absent = [name for name, found in needed.items() if not found or not Path(found).exists()]
    if absent:
        return f"{', '.join(absent)} not installed (`make wordpress` installs Debian's packages as root)"
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True).stdout.lower().split()
    absent = [m for m in ("mysqli", "gd", "curl") if m not in modules]
    if absent:
        return f"PHP modules missing: {', '.join(absent)} (`make wordpress`)"
    if os.geteuid() != 0 and subprocess.run(["mariadb-admin", "ping"], capture_output=True).returncode != 0:
        return "MariaDB is not running and starting it needs root (`make wordpress` starts it)"
    return None


def free_port(skip: tuple[int, ...] = ()) -> int:
    for port in PORTS:
        if port in skip:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=5)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def sql(statement: str) -> None:
    subprocess.run(["mariadb", "-uroot", "-e", statement], check=True, capture_output=True, text=True)


def start_mariadb() -> None:
    """MariaDB on its Debian socket; started when it does not answer (CI starts from scratch)."""
    if subprocess.run(["mariadb-admin", "ping"], capture_output=True).returncode == 0:
        return
    Path("/run/mysqld").mkdir(exist_ok=True)
    shutil.chown("/run/mysqld", "mysql", "mysql")
    subprocess.run(["start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd"],
                   check=True)
    for _ in range(300):
        if subprocess.run(["mariadb-admin", "ping"], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("MariaDB did not start")


@dataclass
class Site:
    """One WordPress: its docroot, database, URL, admin login and application password."""

    root: Path
    url: str
    database: str
    user: str
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    app_password: str = ""
    server: subprocess.Popen | None = None

    @classmethod
    def create(cls, root: Path) -> Site:
        start_mariadb()
        suffix = secrets.token_hex(4)
        site = cls(root=root, url=f"http://127.0.0.1:{free_port()}", database=f"provenance_wp_{suffix}",
                   user=f"provenance_wp_{suffix}")
        db_password = secrets.token_urlsafe(12)
        sql(f"CREATE DATABASE {site.database}; CREATE USER '{site.user}'@'localhost' IDENTIFIED BY '{db_password}';"
            f"GRANT ALL ON {site.database}.* TO '{site.user}'@'localhost';")
        try:
            site._install(db_password)
        except BaseException:
            site.stop()  # no database, user or server left behind
            raise
        return site

    def _install(self, db_password: str) -> None:
        shutil.copytree(WORDPRESS, self.root, ignore=shutil.ignore_patterns("wp-content", "wp-config.php"))
        (self.root / "wp-content" / "plugins").mkdir(parents=True)
        (self.root / "wp-content" / "themes").symlink_to(WORDPRESS / "wp-content" / "themes")
        shutil.copytree(PLUGIN, self.root / "wp-content" / "plugins" / "provenance-check")
        self._write_config(db_password)
        self.php(f"""
            require_once ABSPATH . 'wp-admin/includes/upgrade.php';
            wp_install('Newsroom', '{ADMIN}', 'editor@example.org', false, '', '{self.password}');
            echo json_encode(activate_plugin('{PLUGIN_FILE}'));
        """, installing=True)
        self.app_password = self.php(f"""
            [$password] = WP_Application_Passwords::create_new_application_password(
                get_user_by('login', '{ADMIN}')->ID, ['name' => 'tests']);
            echo json_encode($password);
        """)
        self.start()

    def _write_config(self, db_password: str) -> None:
        salts = "\n".join(
            f"define('{name}', '{secrets.token_hex(32)}');"
            for name in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY",
                         "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT")
        )
        (self.root / "wp-config.php").write_text(f"""<?php
define('DB_NAME', '{self.database}');
define('DB_USER', '{self.user}');
define('DB_PASSWORD', '{db_password}');
define('DB_HOST', 'localhost:{SOCKET}');
define('DB_CHARSET', 'utf8mb4');
define('WP_HOME', '{self.url}');
define('WP_SITEURL', '{self.url}');
define('WP_ENVIRONMENT_TYPE', 'local'); // application passwords over plain HTTP on loopback
define('WP_CONTENT_DIR', __DIR__ . '/wp-content');
define('WP_DEBUG', true);
define('WP_DEBUG_LOG', __DIR__ . '/debug.log');
define('WP_DEBUG_DISPLAY', false);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true); // no update checks to the internet: loopback only
define('WP_CRON_LOCK_TIMEOUT', 1); // WP-Cron spawns again after a second, not a minute, so the test does not wait
{salts}
$table_prefix = 'wp_';
defined('ABSPATH') || define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
""")

    def start(self) -> None:
        port = self.url.rsplit(":", 1)[1]
        log = (self.root / "php-server.log").open("ab")
        # Its own process group: the workers outlive a terminated parent, so stop() ends the group.
        self.server = subprocess.Popen(
            ["php", "-S", f"127.0.0.1:{port}", "-t", str(self.root)], cwd=self.root,
            env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self.url + "/wp-login.php")

    def stop(self) -> None:
        if self.server:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=30)
        sql(f"DROP DATABASE IF EXISTS {self.database}; DROP USER IF EXISTS '{self.user}'@'localhost';")

    def php(self, code: str, installing: bool = False) -> Any:
        """Runs PHP inside this WordPress (as WP-CLI's `eval` would) and decodes what it echoes as JSON."""
        script = self.root / f"eval-{secrets.token_hex(4)}.php"
        script.write_text(
            "<?php\n" + ("define('WP_INSTALLING', true);\n" if installing else "")
            + f"$_SERVER['HTTP_HOST'] = '{self.url.removeprefix('http://')}';\n"
            + "require __DIR__ . '/wp-load.php';\n" + code
        )
        try:
            done = subprocess.run(["php", str(script)], capture_output=True, text=True, timeout=120, cwd=self.root)
        finally:
            script.unlink()
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    def rest(self) -> httpx.Client:
        """The REST API as the editor, with the application password (plain permalinks: ?rest_route=)."""
        return httpx.Client(base_url=self.url, auth=(ADMIN, self.app_password), timeout=120)

    def run_cron(self) -> None:
        """What a visit does for WP-Cron, made explicit so that the test does not wait for traffic."""
        httpx.get(self.url + "/wp-cron.php", timeout=120)

    def debug_log(self) -> str:
        log = self.root / "debug.log"
        return log.read_text() if log.exists() else ""
