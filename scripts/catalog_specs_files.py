"""Curated specs: protocol connectors (FTP, SFTP, RabbitMQ, SQL database), whose endpoints are protocol operations.

EXTRA_ENTRIES lists connectors Weft ships beyond the reference list (connectors.json), in its shape: the SQL
database connector, so a database can be set up in the browser instead of by importing a definition."""
from __future__ import annotations

from catalog_specs import NO_AUTH, op, opt, user_pass, var


# -- file transfer and messaging (protocols) ------------------------------------------------------------------
def _file_endpoints() -> list:
    folder = opt("path", "Folder", ".")
    pattern = opt("pattern", "File name pattern", "*")
    return [
        op("list_files", "List files", "receive", "files", action="list", path="{{path}}", pattern="{{pattern}}",
           variables=[folder, pattern]),
        op("download_files", "Download files", "receive", "files", action="download", path="{{path}}",
           pattern="{{pattern}}", variables=[folder, pattern]),
        op("upload_file", "Upload a file", "send", "files", action="upload", path="{{path}}",
           filename="{{filename}}", variables=[folder, var("filename", "File name, e.g. order-{{id}}.json")]),
        op("move_file", "Move a file", "send", "files", action="move", path="{{path}}", filename="{{filename}}",
           to="{{to}}", variables=[folder, var("filename", "File name"), var("to", "Move to folder")]),
        op("delete_file", "Delete a file", "send", "files", action="delete", path="{{path}}",
           filename="{{filename}}", variables=[folder, var("filename", "File name")]),
    ]


FTP = {
    "protocol": "ftp", "documentation_url": "https://datatracker.ietf.org/doc/html/rfc959",
    "variables": [var("host", "Host"), opt("port", "Port", "21"), opt("tls", "TLS (none or explicit)", "none"),
                  opt("passive", "Passive mode", "true"), opt("timeout", "Timeout (seconds)", "30")],
    "auth_methods": [user_pass(), {**NO_AUTH, "key": "anonymous", "name": "Anonymous"}],
    "endpoints": _file_endpoints(),
}
SFTP = {
    "protocol": "sftp", "documentation_url": "https://datatracker.ietf.org/doc/html/draft-ietf-secsh-filexfer-02",
    "variables": [var("host", "Host"), opt("port", "Port", "22"),
                  opt("host_key", "Host key fingerprint (SHA256:...)"),
                  opt("host_key_policy", "Host key policy (verify or accept_new)", "verify"),
                  opt("timeout", "Timeout (seconds)", "30")],
    "auth_methods": [user_pass(), {"key": "key", "name": "Private key", "type": "ssh_key", "variables": [
        var("username", "Username"), var("private_key", "Private key (OpenSSH or PEM)", secret=True),
        var("passphrase", "Passphrase", required=False, secret=True)]}],
    "endpoints": _file_endpoints(),
}
RABBITMQ = {
    "protocol": "amqp", "documentation_url": "https://www.rabbitmq.com/docs",
    "variables": [var("host", "Host"), opt("port", "Port", "5672"), opt("virtual_host", "Virtual host", "/"),
                  opt("tls", "TLS", "false")],
    "auth_methods": [user_pass()],
    "endpoints": [
        op("consume", "Consume messages", "receive", "messages", queue="{{queue}}", max_messages="{{max_messages}}",
           variables=[var("queue", "Queue"), opt("max_messages", "Max messages", "100")]),
        op("publish", "Publish a message", "send", "messages", exchange="{{exchange}}",
           routing_key="{{routing_key}}", queue="{{queue}}",
           variables=[opt("exchange", "Exchange"), opt("routing_key", "Routing key"),
                      opt("queue", "Queue (publish straight to it)")]),
    ],
}


# -- SQL databases (app/connectors/protocols/database.py) -------------------------------------------------------
def _sql_endpoints() -> list:
    return [
        op("run_query", "Run a query", "receive", "rows", query="{{query}}", page_size="{{page_size}}",
           variables=[var("query", "SQL query", help="For example SELECT id, total FROM orders WHERE placed > "
                          "[[flow.variables.since]]. Each [[variable]] is sent as a bound parameter, never pasted "
                          "into the SQL; write it outside quotes."),
                      opt("page_size", "Rows per payload", help="Empty: every row in one payload.")]),
        op("run_statement", "Run a statement per payload", "send", "rows", query="{{query}}",
           variables=[var("query", "SQL statement", help="For example INSERT INTO stock (sku, qty) VALUES (:sku, "
                          ":qty). Each :name is bound from the payload's field of that name; a list payload runs "
                          "once per object, in one transaction.")]),
    ]


SQL_DATABASE = {
    "protocol": "database", "name": "SQL database",
    "documentation_url": "https://www.postgresql.org/docs/current/sql.html",
    "variables": [
        {**var("driver", "Database type", default="postgresql",
               help="postgresql, mysql (MySQL and MariaDB) or sqlite."),
         "options": ["postgresql", "mysql", "mariadb", "sqlite"]},
        opt("host", "Host", help="The server's name or address (not used by SQLite)."),
        opt("port", "Port", help="Empty: 5432 for PostgreSQL, 3306 for MySQL and MariaDB."),
        var("database", "Database", help="The database name; for SQLite a file in the folder the administrator "
            "allows (WEFT_SQLITE_DIR)."),
        {**opt("ssl_mode", "SSL mode", "prefer", help="require or verify-full for a server across the internet."),
         "options": ["disable", "prefer", "require", "verify-ca", "verify-full"]},
        opt("query_timeout", "Query timeout (seconds)", "300"),
    ],
    "auth_methods": [
        {"key": "user-pass", "name": "Username and password", "type": "db_user_pass",
         "variables": [var("username", "Username"),
                       var("password", "Password", required=False, secret=True,
                           help="Leave it empty for a server that trusts this host.")]},
        {**NO_AUTH, "name": "No credentials (SQLite)"},
    ],
    "endpoints": _sql_endpoints(),
}

EXTRA_ENTRIES = [
    {"slug": "sql-database", "name": "SQL database", "category": "database",
     "description": "Read rows from and write rows to PostgreSQL, MySQL, MariaDB or SQLite with SQL you write.",
     "notes": "Weft's own protocol connector, not on the reference list. Values are always bound as parameters.",
     "auth_methods": ["db_user_pass", "none"], "credentials": []},
]

FILES = {"ftp": FTP, "sftp": SFTP, "rabbitmq": RABBITMQ, "sql-database": SQL_DATABASE}
